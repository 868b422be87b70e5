// Inputs found by `make fuzz` (Fuzz/FuzzPacketNAT) that broke the NAT, kept as tests.
import Addresses
import NAT
import Packet
import XCTest

final class FuzzRegressionTests: XCTestCase {
    /// The ICMP checksum field in an IPv4 echo packet with a 20-byte header.
    private static let icmpChecksumOffset = 22

    /// A ping with identifier, sequence and payload all zero: the reply's ICMP message is
    /// all zero words but its checksum, and the incremental update wrote 0x0000 there
    /// (which a receiver refuses) instead of 0xffff.
    func testAllZeroEchoReplyKeepsAValidChecksum() {
        let table = Fixture.table()
        let request = TestPacket([0x45, 0, 0, 32, 0x42, 0x42, 0, 0, 64, 1, 0, 0, 100, 73, 110, 116, 198, 49, 100, 7,
                                  ICMPv4Header.echoRequest, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        assertForwarded(table, request, from: Fixture.bob, now: 0)
        XCTAssertNoThrow(try request.packet.turnIntoEchoReply())
        assertDelivered(table, request, to: Fixture.bob, now: 1)
        XCTAssertEqual(request.echoIdentifier, 0)
        XCTAssertEqual(request.bytes[Self.icmpChecksumOffset...].prefix(2), [0xff, 0xff])
    }
}
