// Outbound rewriting: egress address, allocated port, endpoint-independent mapping,
// port preservation, and what the NAT refuses.
import Addresses
import NAT
import Packet
import XCTest

final class OutboundTranslationTests: XCTestCase {
    func testUDPGetsEgressAddressAndAPortFromTheRange() {
        let table = Fixture.table()
        let packet = PacketBuilder.udp("\(Fixture.alice4):40000", "\(Fixture.remote4):53")
        assertForwarded(table, packet, from: Fixture.alice, now: 0)
        XCTAssertEqual(packet.source, Fixture.address(Fixture.egress4))
        XCTAssertEqual(packet.destination, Fixture.address(Fixture.remote4))
        XCTAssertTrue((61000...64999).contains(packet.sourcePort ?? 0), "port \(String(describing: packet.sourcePort))")
        XCTAssertEqual(packet.destinationPort, 53)
        XCTAssertEqual(table.statistics.udpMappings, 1)
        XCTAssertEqual(table.statistics.portsInUse, 1)
        XCTAssertEqual(table.statistics.translatedOutbound, 1)
    }

    func testTCPAndEchoAreTranslated() {
        let table = Fixture.table()
        let syn = PacketBuilder.tcp("\(Fixture.alice4):40000", "\(Fixture.remote4):80", flags: .syn)
        assertForwarded(table, syn, from: Fixture.alice, now: 0)
        XCTAssertEqual(syn.source, Fixture.address(Fixture.egress4))
        XCTAssertTrue((61000...64999).contains(syn.sourcePort ?? 0))
        let ping = PacketBuilder.echo(Fixture.alice4, Fixture.remote4, id: 7)
        assertForwarded(table, ping, from: Fixture.alice, now: 0)
        XCTAssertEqual(ping.source, Fixture.address(Fixture.egress4))
        XCTAssertTrue((61000...64999).contains(ping.echoIdentifier ?? 0))
        XCTAssertEqual(table.statistics.tcpMappings, 1)
        XCTAssertEqual(table.statistics.icmpMappings, 1)
    }

    func testEndpointIndependentMappingKeepsOnePortForAllDestinations() {
        let table = Fixture.table()
        let first = PacketBuilder.udp("\(Fixture.alice4):40000", "\(Fixture.remote4):53")
        let second = PacketBuilder.udp("\(Fixture.alice4):40000", "\(Fixture.otherRemote4):123")
        assertForwarded(table, first, from: Fixture.alice, now: 0)
        assertForwarded(table, second, from: Fixture.alice, now: 1)
        XCTAssertEqual(first.sourcePort, second.sourcePort)
        XCTAssertEqual(table.statistics.udpMappings, 1)
        XCTAssertEqual(table.mappings(now: 1).first?.remoteCount, 2)
    }

    func testDifferentInternalPortsGetDifferentExternalPorts() {
        let table = Fixture.table()
        let a = PacketBuilder.udp("\(Fixture.alice4):40000", "\(Fixture.remote4):53")
        let b = PacketBuilder.udp("\(Fixture.alice4):40001", "\(Fixture.remote4):53")
        assertForwarded(table, a, from: Fixture.alice, now: 0)
        assertForwarded(table, b, from: Fixture.alice, now: 0)
        XCTAssertNotEqual(a.sourcePort, b.sourcePort)
    }

    func testPortIsPreservedWhenInRangeAndFree() {
        let table = Fixture.table()
        let packet = PacketBuilder.udp("\(Fixture.alice4):62000", "\(Fixture.remote4):53")
        assertForwarded(table, packet, from: Fixture.alice, now: 0)
        XCTAssertEqual(packet.sourcePort, 62000)
        // Bob wants the same port: it is taken, so he gets another one.
        let bobs = PacketBuilder.udp("\(Fixture.bob4):62000", "\(Fixture.remote4):53")
        assertForwarded(table, bobs, from: Fixture.bob, now: 0)
        XCTAssertNotEqual(bobs.sourcePort, 62000)
        let ping = PacketBuilder.echo(Fixture.alice4, Fixture.remote4, id: 61005)
        assertForwarded(table, ping, from: Fixture.alice, now: 0)
        XCTAssertEqual(ping.echoIdentifier, 61005)
    }

    func testIPv6UsesTheIPv6EgressAddress() {
        let table = Fixture.table()
        let packet = PacketBuilder.udp("[\(Fixture.alice6)]:40000", "[\(Fixture.remote6)]:53")
        assertForwarded(table, packet, from: Fixture.alice, now: 0)
        XCTAssertEqual(packet.source, Fixture.address(Fixture.egress6))
        XCTAssertTrue((61000...64999).contains(packet.sourcePort ?? 0))
        let ping = PacketBuilder.echo(Fixture.alice6, Fixture.remote6, id: 9)
        assertForwarded(table, ping, from: Fixture.alice, now: 0)
        XCTAssertEqual(ping.source, Fixture.address(Fixture.egress6))
    }

    func testIPv6WithoutEgressAddressIsDroppedAndCounted() {
        var configuration = Fixture.configuration()
        configuration.egressIPv6 = nil
        let table = Fixture.table(configuration)
        let packet = PacketBuilder.udp("[\(Fixture.alice6)]:40000", "[\(Fixture.remote6)]:53")
        let before = packet.bytes
        XCTAssertEqual(table.translateOutbound(packet.packet, from: Fixture.alice, now: 0), .drop(.noEgressAddress))
        XCTAssertEqual(packet.bytes, before, "a dropped packet is left as it was")
        XCTAssertEqual(table.statistics.drops.noEgressAddress, 1)
    }

    func testOtherProtocolsAreDroppedAsUnsupported() {
        let table = Fixture.table()
        let gre: UInt8 = 47
        let packet = TestPacket(PacketBuilder.ip(Fixture.address(Fixture.alice4), Fixture.address(Fixture.remote4),
                                                 proto: gre, segment: [0, 0, 8, 0]))
        XCTAssertEqual(table.translateOutbound(packet.packet, from: Fixture.alice, now: 0), .drop(.unsupportedProtocol))
        let reply = PacketBuilder.echo(Fixture.alice4, Fixture.remote4, id: 3, request: false)
        XCTAssertEqual(table.translateOutbound(reply.packet, from: Fixture.alice, now: 0), .drop(.unsupportedProtocol))
        XCTAssertEqual(table.statistics.drops.unsupportedProtocol, 2)
        XCTAssertEqual(table.statistics.mappings, 0)
    }

    func testConfigurationWithPortZeroIsRefused() {
        var configuration = Fixture.configuration()
        configuration.portRange = 0...100
        XCTAssertThrowsError(try NATTable(configuration: configuration)) { error in
            XCTAssertEqual(error as? NATConfigurationError, .rangeIncludesZero(field: "port range"))
        }
    }
}
