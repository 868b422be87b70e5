// Limits: the per-client cap, a full port range, and removing a client.
import Addresses
import NAT
import Packet
import XCTest

final class LimitTests: XCTestCase {
    func testPerClientCapIsEnforcedAndCounted() {
        let table = Fixture.table(Fixture.configuration(maxMappingsPerClient: 3))
        for port in 40000..<40003 {
            assertForwarded(table, PacketBuilder.udp("\(Fixture.alice4):\(port)", "\(Fixture.remote4):53"),
                            from: Fixture.alice, now: 0)
        }
        let fourth = PacketBuilder.udp("\(Fixture.alice4):40003", "\(Fixture.remote4):53")
        XCTAssertEqual(table.translateOutbound(fourth.packet, from: Fixture.alice, now: 0), .drop(.perClientLimit))
        XCTAssertEqual(table.statistics.drops.perClientLimit, 1)
        // Existing mappings still work, and another client is not affected.
        assertForwarded(table, PacketBuilder.udp("\(Fixture.alice4):40000", "\(Fixture.otherRemote4):53"),
                        from: Fixture.alice, now: 0)
        assertForwarded(table, PacketBuilder.udp("\(Fixture.bob4):40003", "\(Fixture.remote4):53"),
                        from: Fixture.bob, now: 0)
    }

    func testFullRangeIsCountedAsTableFull() {
        let table = Fixture.table(Fixture.configuration(portRange: 61000...61003))
        var ports: Set<UInt16> = []
        for port in 40000..<40004 {
            let packet = PacketBuilder.udp("\(Fixture.alice4):\(port)", "\(Fixture.remote4):53")
            assertForwarded(table, packet, from: Fixture.alice, now: 0)
            ports.insert(packet.sourcePort!)
        }
        XCTAssertEqual(ports, [61000, 61001, 61002, 61003])
        let extra = PacketBuilder.udp("\(Fixture.bob4):40000", "\(Fixture.remote4):53")
        XCTAssertEqual(table.translateOutbound(extra.packet, from: Fixture.bob, now: 0), .drop(.tableFull))
        XCTAssertEqual(table.statistics.drops.tableFull, 1)
        XCTAssertEqual(table.statistics.portsInUse, 4)
        // TCP has its own range of ports.
        assertForwarded(table, PacketBuilder.tcp("\(Fixture.bob4):40000", "\(Fixture.remote4):80", flags: .syn),
                        from: Fixture.bob, now: 0)
    }

    func testRemoveClientFreesItsMappingsAndPorts() {
        let table = Fixture.table(Fixture.configuration(portRange: 61000...61001))
        let alices = PacketBuilder.udp("\(Fixture.alice4):40000", "\(Fixture.remote4):53")
        assertForwarded(table, alices, from: Fixture.alice, now: 0)
        assertForwarded(table, PacketBuilder.echo(Fixture.alice6, Fixture.remote6, id: 3), from: Fixture.alice, now: 0)
        let bobs = PacketBuilder.udp("\(Fixture.bob4):40000", "\(Fixture.remote4):53")
        assertForwarded(table, bobs, from: Fixture.bob, now: 0)
        table.removeClient(Fixture.alice)
        XCTAssertEqual(table.statistics.mappings, 1)
        XCTAssertEqual(table.statistics.portsInUse, 1)
        XCTAssertEqual(table.translateInbound(alices.reply().packet, now: 1), .drop(.noMapping))
        assertDelivered(table, bobs.reply(), to: Fixture.bob, now: 1)
        // Alice's port is free for someone else.
        let carol = PacketBuilder.udp("100.64.0.4:40000", "\(Fixture.remote4):53")
        assertForwarded(table, carol, from: ClientID(3), now: 1)
        XCTAssertEqual(carol.sourcePort, alices.sourcePort)
    }

    func testSnapshotDescribesMappings() {
        let table = Fixture.table()
        let out = PacketBuilder.udp("\(Fixture.alice4):40000", "\(Fixture.remote4):53")
        assertForwarded(table, out, from: Fixture.alice, now: 0)
        let snapshot = table.mappings(now: Fixture.seconds(20))
        XCTAssertEqual(snapshot, [NATMappingSnapshot(
            client: Fixture.alice, transport: .udp,
            internalAddress: Fixture.address(Fixture.alice4), internalPort: 40000,
            externalAddress: Fixture.address(Fixture.egress4), externalPort: out.sourcePort!,
            remoteCount: 1, tcpState: nil, expiresIn: Fixture.seconds(100))])
    }
}
