// Fragmented datagrams: the first fragment carries the ports and creates the mapping;
// the later ones follow it, outbound and inbound, and reassemble with valid checksums.
import Addresses
import NAT
import Packet
import XCTest

final class FragmentTranslationTests: XCTestCase {
    private let datagramPayload = (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    private let chunk = 1480

    private func fragments(_ from: String, _ to: String, v6: Bool, identification: UInt32) -> [TestPacket] {
        let whole = PacketBuilder.udp(from, to, payload: datagramPayload)
        if v6 {
            return PacketBuilder.fragmentIPv6(whole.bytes, chunk: chunk - 8, identification: identification)
                .map { TestPacket($0) }
        }
        var bytes = whole.bytes
        bytes.replaceSubrange(4..<6, with: PacketBuilder.be16(UInt16(truncatingIfNeeded: identification)))
        return PacketBuilder.fragmentIPv4(bytes, chunk: chunk).map { TestPacket($0) }
    }

    private func assertRoundTrip(client: String, remote: String, egress: String, v6: Bool) {
        let table = Fixture.table()
        let bracket = { (a: String) in v6 ? "[\(a)]" : a }
        let outbound = fragments("\(bracket(client)):40000", "\(bracket(remote)):7", v6: v6, identification: 0x1111)
        XCTAssertEqual(outbound.count, 3)
        for fragment in outbound {
            assertForwarded(table, fragment, from: Fixture.alice, now: 0)
            XCTAssertEqual(fragment.source, Fixture.address(egress))
        }
        let sent = PacketBuilder.reassemble(outbound)
        XCTAssertTrue(sent.hasValidChecksums, "reassembled outbound datagram")
        XCTAssertEqual(sent.source, Fixture.address(egress))
        let external = sent.sourcePort!
        XCTAssertTrue((61000...64999).contains(external))

        let inbound = fragments("\(bracket(remote)):7", "\(bracket(egress)):\(external)", v6: v6, identification: 0x2222)
        for fragment in inbound {
            assertDelivered(table, fragment, to: Fixture.alice, now: 1)
            XCTAssertEqual(fragment.destination, Fixture.address(client))
        }
        let received = PacketBuilder.reassemble(inbound)
        XCTAssertTrue(received.hasValidChecksums, "reassembled inbound datagram")
        XCTAssertEqual(received.destinationPort, 40000)
        XCTAssertEqual(Array(received.packet.udp!.payload), datagramPayload)
    }

    func testIPv4DatagramOf3000BytesCrossesBothWays() {
        assertRoundTrip(client: Fixture.alice4, remote: Fixture.remote4, egress: Fixture.egress4, v6: false)
    }

    func testIPv6DatagramOf3000BytesCrossesBothWays() {
        assertRoundTrip(client: Fixture.alice6, remote: Fixture.remote6, egress: Fixture.egress6, v6: true)
    }

    func testLaterFragmentWithoutFirstIsDropped() {
        let table = Fixture.table()
        let outbound = fragments("\(Fixture.alice4):40000", "\(Fixture.remote4):7", v6: false, identification: 5)
        XCTAssertEqual(table.translateOutbound(outbound[1].packet, from: Fixture.alice, now: 0), .drop(.noMapping))
        let inbound = fragments("\(Fixture.remote4):7", "\(Fixture.egress4):61000", v6: false, identification: 6)
        XCTAssertEqual(table.translateInbound(inbound[1].packet, now: 0), .drop(.noMapping))
        XCTAssertEqual(table.statistics.drops.noMapping, 2)
    }

    func testFragmentRecordsExpire() {
        let table = Fixture.table()
        let outbound = fragments("\(Fixture.alice4):40000", "\(Fixture.remote4):7", v6: false, identification: 5)
        assertForwarded(table, outbound[0], from: Fixture.alice, now: 0)
        XCTAssertEqual(table.statistics.fragmentRecords, 1)
        table.collectGarbage(now: Fixture.seconds(31))
        XCTAssertEqual(table.statistics.fragmentRecords, 0)
        XCTAssertEqual(table.translateOutbound(outbound[1].packet, from: Fixture.alice, now: Fixture.seconds(31)),
                       .drop(.noMapping))
    }

    func testAnotherClientCannotUseAFragmentRecord() {
        let table = Fixture.table()
        let outbound = fragments("\(Fixture.alice4):40000", "\(Fixture.remote4):7", v6: false, identification: 5)
        assertForwarded(table, outbound[0], from: Fixture.alice, now: 0)
        XCTAssertEqual(table.translateOutbound(outbound[1].packet, from: Fixture.bob, now: 0), .drop(.noMapping))
    }
}
