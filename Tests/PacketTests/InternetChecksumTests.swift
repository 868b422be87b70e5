// Checksum known values (RFC 1071, a real IPv4 header) and the incremental update rules.
import XCTest
import Addresses
@testable import Packet

final class InternetChecksumTests: XCTestCase {
    func sum(_ bytes: [UInt8], initial: UInt32 = 0) -> UInt16 {
        bytes.withUnsafeBytes { InternetChecksum.sum($0, initial: initial) }
    }

    func checksum(_ bytes: [UInt8], initial: UInt32 = 0) -> UInt16 {
        bytes.withUnsafeBytes { InternetChecksum.checksum($0, initial: initial) }
    }

    func testRFC1071Example() {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2.
        let data: [UInt8] = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]
        XCTAssertEqual(sum(data), 0xddf2)
        XCTAssertEqual(checksum(data), 0x220d)
    }

    func testKnownIPv4HeaderChecksum() {
        // 192.168.0.1 -> 192.168.0.199, UDP, TTL 64, DF: header checksum b861.
        var header: [UInt8] = [0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
                               0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7]
        XCTAssertEqual(checksum(header), 0xb861)
        header[10] = 0xb8
        header[11] = 0x61
        XCTAssertEqual(sum(header), 0xffff, "a header with its checksum sums to all ones")
    }

    func testOddLengthPadsWithZero() {
        XCTAssertEqual(sum([0x12, 0x34, 0x56]), 0x6834)
        XCTAssertEqual(sum([0xab]), 0xab00)
        XCTAssertEqual(sum([]), 0)
    }

    func testInitialAccumulatorIsAdded() {
        XCTAssertEqual(sum([0x00, 0x01], initial: 0xffff), 0x0001, "end-around carry")
        XCTAssertEqual(sum([0x12, 0x34], initial: 0x1_0000), 0x1235)
    }

    func testMatchesReferenceOnRandomData() {
        var rng = SeededGenerator(seed: 1)
        for _ in 0..<2000 {
            let data = rng.bytes(Int.random(in: 0...300, using: &rng))
            let offset = Int.random(in: 0...min(3, data.count), using: &rng)
            let slice = Array(data[offset...])
            XCTAssertEqual(checksum(slice), ReferenceChecksum.checksum(slice))
            data.withUnsafeBytes { raw in
                let unaligned = UnsafeRawBufferPointer(rebasing: raw[offset...])
                XCTAssertEqual(InternetChecksum.checksum(unaligned), ReferenceChecksum.checksum(slice),
                               "unaligned start must not matter")
            }
        }
    }

    func testIncrementalUpdatesMatchRecomputation() {
        var rng = SeededGenerator(seed: 2)
        for _ in 0..<3000 {
            var data = rng.bytes(2 * Int.random(in: 12...40, using: &rng))
            let before = ReferenceChecksum.checksum(data)
            let at = 2 * Int.random(in: 0..<(data.count / 2 - 8), using: &rng)
            switch Int.random(in: 0..<3, using: &rng) {
            case 0:
                let old = ReferenceChecksum.read16(data, at)
                let new = UInt16.random(in: 0...0xffff, using: &rng)
                ReferenceChecksum.write16(&data, at, new)
                XCTAssertEqual(InternetChecksum.updated(before, old: old, new: new), ReferenceChecksum.checksum(data))
            case 1:
                let old = data.withUnsafeBytes { IPv4Address(networkBytes: UnsafeRawBufferPointer(rebasing: $0[at...])) }
                let new = IPv4Address(UInt32.random(in: 0...UInt32.max, using: &rng))
                data.replaceSubrange(at..<(at + 4), with: new.bytes)
                XCTAssertEqual(InternetChecksum.updated(before, old: old, new: new), ReferenceChecksum.checksum(data))
            default:
                let old = data.withUnsafeBytes { IPv6Address(networkBytes: UnsafeRawBufferPointer(rebasing: $0[at...])) }
                let new = IPv6Address(high: rng.next(), low: rng.next())
                data.replaceSubrange(at..<(at + 16), with: new.bytes)
                XCTAssertEqual(InternetChecksum.updated(before, old: old, new: new), ReferenceChecksum.checksum(data))
            }
        }
    }

    func testRFC1624Example() {
        // RFC 1624 section 4: HC = 0xdd2f, m = 0x5555 -> m' = 0x3285 gives HC' = 0x0000.
        XCTAssertEqual(InternetChecksum.updated(0xdd2f, old: UInt16(0x5555), new: UInt16(0x3285)), 0x0000)
    }

    func testMixedFamiliesHaveNoUpdate() {
        let v4 = IPAddress.v4(IPv4Address(1, 2, 3, 4))
        let v6 = IPAddress.v6(IPv6Address(high: 1, low: 2))
        XCTAssertNil(InternetChecksum.updated(0x1234, old: v4, new: v6))
        XCTAssertNotNil(InternetChecksum.updated(0x1234, old: v4, new: v4))
    }
}
