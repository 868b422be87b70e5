// Packets the NAT refuses on purpose, each counted under its own reason: IPv6 packets
// still following a routing header, and a client sending to the egress address itself.
import Addresses
import NAT
import Packet
import XCTest

final class RefusalTests: XCTestCase {
    private let routingType = UInt8(0)

    /// A UDP datagram behind a routing header with `segmentsLeft` segments to go.
    private func routed(_ from: String, _ to: String, segmentsLeft: UInt8) -> TestPacket {
        let udp = PacketBuilder.udpSegment(40000, 53, payload: [1, 2, 3, 4])
        let routing: [UInt8] = [IPProtocol.udp, 0, routingType, segmentsLeft, 0, 0, 0, 0]
        let header = PacketBuilder.ipv6Header(IPv6Address(from)!, IPv6Address(to)!, nextHeader: IPProtocol.ipv6Routing,
                                              payloadLength: routing.count + udp.count)
        return TestPacket(header + routing + udp)
    }

    func testRoutingHeaderWithSegmentsLeftIsRefusedBothWays() {
        let table = Fixture.table()
        let out = routed(Fixture.alice6, Fixture.remote6, segmentsLeft: 1)
        XCTAssertEqual(out.packet.routingSegmentsLeft, 1)
        let pristine = out.bytes
        XCTAssertEqual(table.translateOutbound(out.packet, from: Fixture.alice, now: 0), .drop(.routingHeader))
        XCTAssertEqual(out.bytes, pristine, "nothing rewritten")
        XCTAssertEqual(table.statistics.mappings, 0, "no mapping made for it")
        let into = routed(Fixture.remote6, Fixture.egress6, segmentsLeft: 2)
        XCTAssertEqual(table.translateInbound(into.packet, now: 0), .drop(.routingHeader))
        XCTAssertEqual(table.statistics.drops.routingHeader, 2)
    }

    func testRoutingHeaderWithNoSegmentsLeftIsTranslated() {
        let table = Fixture.table()
        let out = routed(Fixture.alice6, Fixture.remote6, segmentsLeft: 0)
        assertForwarded(table, out, from: Fixture.alice, now: 0)
        XCTAssertEqual(out.source, Fixture.address(Fixture.egress6))
        XCTAssertEqual(table.statistics.drops.routingHeader, 0)
    }

    /// Hairpinning is refused (Docs/server.md says why): to the egress address, to another
    /// client's mapping on it or to the client's own, over either family.
    func testPacketsToTheEgressAddressAreRefusedAsHairpin() {
        let table = Fixture.table()
        let bobs = PacketBuilder.udp("\(Fixture.bob4):40000", "\(Fixture.remote4):53")
        assertForwarded(table, bobs, from: Fixture.bob, now: 0)
        let external = bobs.sourcePort!
        let attempts = [
            PacketBuilder.udp("\(Fixture.alice4):40000", "\(Fixture.egress4):\(external)"),
            PacketBuilder.udp("\(Fixture.alice4):40001", "\(Fixture.egress4):22"),
            PacketBuilder.echo(Fixture.alice4, Fixture.egress4, id: 5),
            PacketBuilder.tcp("[\(Fixture.alice6)]:40000", "[\(Fixture.egress6)]:80", flags: .syn),
        ]
        for attempt in attempts {
            let pristine = attempt.bytes
            XCTAssertEqual(table.translateOutbound(attempt.packet, from: Fixture.alice, now: 1), .drop(.hairpin))
            XCTAssertEqual(attempt.bytes, pristine, "nothing rewritten")
        }
        XCTAssertEqual(table.statistics.drops.hairpin, 4)
        XCTAssertEqual(table.statistics.mappings, 1, "only Bob's")
    }
}
