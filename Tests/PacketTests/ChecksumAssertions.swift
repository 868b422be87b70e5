// Shared assertion: every checksum in a built packet equals the naive full recomputation.
import XCTest
@testable import Packet

extension BuiltPacket {
    /// Asserts the stored IPv4 header and transport checksums equal the reference
    /// (a disabled UDP-over-IPv4 checksum must still read zero).
    func assertChecksumsMatchReference(_ bytes: [UInt8], _ context: String,
                                       file: StaticString = #filePath, line: UInt = #line) {
        if version == .v4 {
            XCTAssertEqual(ReferenceChecksum.read16(bytes, 10), ReferenceChecksum.ipv4Header(bytes),
                           "IPv4 header checksum after \(context)", file: file, line: line)
        }
        guard let field = transportChecksumField else { return }
        let stored = ReferenceChecksum.read16(bytes, field)
        if udpChecksumDisabled {
            XCTAssertEqual(stored, 0, "a zero UDP checksum stays zero after \(context)", file: file, line: line)
        } else {
            let expected = ReferenceChecksum.transport(bytes, version: version, offset: transportOffset,
                                                       proto: transportProtocol)
            XCTAssertEqual(stored, expected, "protocol \(transportProtocol) checksum after \(context)",
                           file: file, line: line)
        }
    }
}
