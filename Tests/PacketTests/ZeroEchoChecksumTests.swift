// Found by `make fuzz` (Fuzz/FuzzPacketNAT): over an ICMPv4 message that is all zero
// words but its checksum, the incremental checksum update gave 0x0000 (-0), which a
// receiver refuses; the only valid checksum there is 0xffff.
import Addresses
import Packet
import XCTest

final class ZeroEchoChecksumTests: XCTestCase {
    private static let checksumOffset = 22

    func testEchoReplyToAnAllZeroRequestHasChecksum0xFFFF() throws {
        // IPv4 echo request, identifier 0, sequence 0, no payload: 192.0.2.1 -> 192.0.2.2.
        var bytes: [UInt8] = [0x45, 0, 0, 28, 0, 0, 0, 0, 64, 1, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2,
                              ICMPv4Header.echoRequest, 0, 0, 0, 0, 0, 0, 0]
        try bytes.withUnsafeMutableBytes { raw in
            let packet = try IPPacket.parse(raw, length: raw.count)
            packet.recomputeChecksums()
            try packet.turnIntoEchoReply()
            XCTAssertTrue(packet.hasValidChecksums)
        }
        XCTAssertEqual(Array(bytes[Self.checksumOffset..<(Self.checksumOffset + 2)]), [0xff, 0xff])
    }
}
