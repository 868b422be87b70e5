// The virtio-net header's 10-byte layout, read and written in host order.
import XCTest
@testable import Packet

final class VirtioNetHeaderTests: XCTestCase {
    func testRoundTripKeepsEveryField() {
        let header = VirtioNetHeader(flags: VirtioNetHeader.needsChecksum, gsoType: VirtioNetHeader.gsoTCPv6 | VirtioNetHeader.gsoECN,
                                     headerLength: 0x0102, gsoSize: 1380, checksumStart: 40, checksumOffset: 16)
        var bytes = [UInt8](repeating: 0xee, count: VirtioNetHeader.size + 2)
        bytes.withUnsafeMutableBytes { header.write(to: $0) }
        XCTAssertEqual(bytes[VirtioNetHeader.size...], [0xee, 0xee], "writes exactly 10 bytes")
        let expected: [UInt8] = [1, 0x84, 0x02, 0x01, 0x64, 0x05, 40, 0, 16, 0]  // little-endian host
        XCTAssertEqual(Array(bytes[0..<VirtioNetHeader.size]), expected)
        let read = bytes.withUnsafeBytes { VirtioNetHeader(reading: $0) }
        XCTAssertEqual(read, header)
        XCTAssertEqual(read?.segmentationType, VirtioNetHeader.gsoTCPv6)
        XCTAssertEqual(read?.needsChecksumCompletion, true)
    }

    func testShortBufferReadsNothing() {
        let bytes = [UInt8](repeating: 0, count: VirtioNetHeader.size - 1)
        XCTAssertNil(bytes.withUnsafeBytes { VirtioNetHeader(reading: $0) })
    }

    func testNoneIsAllZero() {
        var bytes = [UInt8](repeating: 0xff, count: VirtioNetHeader.size)
        bytes.withUnsafeMutableBytes { VirtioNetHeader.none.write(to: $0) }
        XCTAssertEqual(bytes, [UInt8](repeating: 0, count: VirtioNetHeader.size))
        XCTAssertFalse(VirtioNetHeader.none.needsChecksumCompletion)
    }
}
