// Replies mapped back to the right client, and address-dependent filtering.
import Addresses
import NAT
import Packet
import XCTest

final class InboundTranslationTests: XCTestCase {
    func testUDPReplyReturnsToTheClient() {
        let table = Fixture.table()
        let out = PacketBuilder.udp("\(Fixture.alice4):40000", "\(Fixture.remote4):53")
        assertForwarded(table, out, from: Fixture.alice, now: 0)
        let reply = out.reply()
        assertDelivered(table, reply, to: Fixture.alice, now: 1)
        XCTAssertEqual(reply.source, Fixture.address(Fixture.remote4))
        XCTAssertEqual(reply.sourcePort, 53)
        XCTAssertEqual(reply.destination, Fixture.address(Fixture.alice4))
        XCTAssertEqual(reply.destinationPort, 40000)
        XCTAssertEqual(table.statistics.translatedInbound, 1)
    }

    func testTCPAndEchoRepliesReturnToTheClient() {
        let table = Fixture.table()
        let syn = PacketBuilder.tcp("\(Fixture.alice4):40000", "\(Fixture.remote4):80", flags: .syn)
        assertForwarded(table, syn, from: Fixture.alice, now: 0)
        let synAck = PacketBuilder.tcp("\(Fixture.remote4):80", "\(Fixture.egress4):\(syn.sourcePort!)",
                                       flags: [.syn, .ack])
        assertDelivered(table, synAck, to: Fixture.alice, now: 0)
        XCTAssertEqual(synAck.destination, Fixture.address(Fixture.alice4))
        XCTAssertEqual(synAck.destinationPort, 40000)
        let ping = PacketBuilder.echo(Fixture.alice4, Fixture.remote4, id: 77)
        assertForwarded(table, ping, from: Fixture.alice, now: 0)
        let pong = PacketBuilder.echo(Fixture.remote4, Fixture.egress4, id: ping.echoIdentifier!, request: false)
        assertDelivered(table, pong, to: Fixture.alice, now: 0)
        XCTAssertEqual(pong.destination, Fixture.address(Fixture.alice4))
        XCTAssertEqual(pong.echoIdentifier, 77)
    }

    func testTwoClientsWithTheSamePortAndEchoIdGetTheirOwnReplies() {
        let table = Fixture.table()
        let aliceOut = PacketBuilder.udp("\(Fixture.alice4):40000", "\(Fixture.remote4):7")
        let bobOut = PacketBuilder.udp("\(Fixture.bob4):40000", "\(Fixture.remote4):7")
        assertForwarded(table, aliceOut, from: Fixture.alice, now: 0)
        assertForwarded(table, bobOut, from: Fixture.bob, now: 0)
        XCTAssertNotEqual(aliceOut.sourcePort, bobOut.sourcePort)
        let alicePing = PacketBuilder.echo(Fixture.alice4, Fixture.remote4, id: 1)
        let bobPing = PacketBuilder.echo(Fixture.bob4, Fixture.remote4, id: 1)
        assertForwarded(table, alicePing, from: Fixture.alice, now: 0)
        assertForwarded(table, bobPing, from: Fixture.bob, now: 0)
        XCTAssertNotEqual(alicePing.echoIdentifier, bobPing.echoIdentifier)

        let bobReply = bobOut.reply()
        assertDelivered(table, bobReply, to: Fixture.bob, now: 1)
        XCTAssertEqual(bobReply.destination, Fixture.address(Fixture.bob4))
        let aliceReply = aliceOut.reply()
        assertDelivered(table, aliceReply, to: Fixture.alice, now: 1)
        XCTAssertEqual(aliceReply.destination, Fixture.address(Fixture.alice4))
        for (ping, client, address) in [(bobPing, Fixture.bob, Fixture.bob4), (alicePing, Fixture.alice, Fixture.alice4)] {
            let pong = PacketBuilder.echo(Fixture.remote4, Fixture.egress4, id: ping.echoIdentifier!, request: false)
            assertDelivered(table, pong, to: client, now: 1)
            XCTAssertEqual(pong.destination, Fixture.address(address))
            XCTAssertEqual(pong.echoIdentifier, 1)
        }
    }

    func testReplyFromAnAddressNeverContactedIsFiltered() {
        let table = Fixture.table()
        let out = PacketBuilder.udp("\(Fixture.alice4):40000", "\(Fixture.remote4):53")
        assertForwarded(table, out, from: Fixture.alice, now: 0)
        let stranger = PacketBuilder.udp("\(Fixture.otherRemote4):53", "\(Fixture.egress4):\(out.sourcePort!)")
        XCTAssertEqual(table.translateInbound(stranger.packet, now: 1), .drop(.filtered))
        XCTAssertEqual(table.statistics.drops.filtered, 1)
        // Another port of the contacted address is let in (address-dependent, not port-dependent).
        let otherPort = PacketBuilder.udp("\(Fixture.remote4):5353", "\(Fixture.egress4):\(out.sourcePort!)")
        assertDelivered(table, otherPort, to: Fixture.alice, now: 1)
    }

    func testPacketToAnUnusedPortIsDropped() {
        let table = Fixture.table()
        let packet = PacketBuilder.udp("\(Fixture.remote4):53", "\(Fixture.egress4):61234")
        XCTAssertEqual(table.translateInbound(packet.packet, now: 0), .drop(.noMapping))
        let elsewhere = PacketBuilder.udp("\(Fixture.remote4):53", "192.0.2.9:61234")
        XCTAssertEqual(table.translateInbound(elsewhere.packet, now: 0), .drop(.noMapping))
        XCTAssertEqual(table.statistics.drops.noMapping, 2)
    }

    func testIPv6ReplyReturnsToTheClient() {
        let table = Fixture.table()
        let out = PacketBuilder.udp("[\(Fixture.alice6)]:40000", "[\(Fixture.remote6)]:53")
        assertForwarded(table, out, from: Fixture.alice, now: 0)
        let reply = out.reply()
        assertDelivered(table, reply, to: Fixture.alice, now: 1)
        XCTAssertEqual(reply.destination, Fixture.address(Fixture.alice6))
        XCTAssertEqual(reply.destinationPort, 40000)
        let ping = PacketBuilder.echo(Fixture.alice6, Fixture.remote6, id: 5)
        assertForwarded(table, ping, from: Fixture.alice, now: 0)
        let pong = PacketBuilder.echo(Fixture.remote6, Fixture.egress6, id: ping.echoIdentifier!, request: false)
        assertDelivered(table, pong, to: Fixture.alice, now: 1)
        XCTAssertEqual(pong.destination, Fixture.address(Fixture.alice6))
        XCTAssertEqual(pong.echoIdentifier, 5)
    }
}
