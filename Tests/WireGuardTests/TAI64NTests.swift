// TAI64N encoding and ordering.
import XCTest
@testable import WireGuard

final class TAI64NTests: XCTestCase {
    func testEncodingIsBigEndianWithWireGuardEpoch() {
        let t = TAI64N(unixSeconds: 1, nanoseconds: 0x0102_0304)
        XCTAssertEqual(t.bytes, [0x40, 0, 0, 0, 0, 0, 0, 0x0B, 0x01, 0x02, 0x03, 0x04])
        XCTAssertEqual(TAI64N(bytes: t.bytes), t)
        XCTAssertNil(TAI64N(bytes: [UInt8](repeating: 0, count: 11)))
    }

    func testOrderingFollowsSecondsThenNanoseconds() {
        let a = TAI64N(unixSeconds: 100, nanoseconds: 999_999_999)
        let b = TAI64N(unixSeconds: 101, nanoseconds: 0)
        let c = TAI64N(unixSeconds: 101, nanoseconds: 1)
        XCTAssertTrue(b.isNewer(than: a))
        XCTAssertTrue(c.isNewer(than: b))
        XCTAssertFalse(b.isNewer(than: b))
        XCTAssertFalse(a.isNewer(than: c))
        XCTAssertTrue(a.isNewer(than: .zero))
        // Byte order and value order agree.
        XCTAssertTrue(a.bytes.lexicographicallyPrecedes(b.bytes))
    }

    func testWhiteningRoundsNanosecondsDown() {
        let t = TAI64N(unixSeconds: 5, nanoseconds: (1 << 24) * 3 + 12345).whitened()
        XCTAssertEqual(t.nanoseconds, (1 << 24) * 3)
        XCTAssertEqual(t.seconds, TAI64N(unixSeconds: 5, nanoseconds: 0).seconds)
    }
}
