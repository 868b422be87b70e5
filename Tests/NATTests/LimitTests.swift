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

    /// Issue 9 defect 4: the old cap (4096 mappings) was above a pool's 4000 ports, so one
    /// client could take every UDP port. Its share of each pool is a quarter now.
    func testOneClientGetsAtMostAQuarterOfAPool() {
        let table = Fixture.table()
        var forwarded = 0
        for port in 20000..<26000 {
            let packet = PacketBuilder.udp("\(Fixture.alice4):\(port)", "\(Fixture.remote4):53")
            if table.translateOutbound(packet.packet, from: Fixture.alice, now: 0) == .forward { forwarded += 1 }
        }
        XCTAssertEqual(forwarded, 1000, "a quarter of the 4000 UDP ports")
        XCTAssertEqual(table.statistics.drops.perClientLimit, 5000, "every refusal counted")
        XCTAssertEqual(table.statistics.drops.tableFull, 0)
        XCTAssertEqual(table.statistics.portsInUse(of: .udp), 1000)
        // Her share is per pool: TCP and ICMP still work for her, and UDP for Bob.
        assertForwarded(table, PacketBuilder.tcp("\(Fixture.alice4):40000", "\(Fixture.remote4):80", flags: .syn),
                        from: Fixture.alice, now: 0)
        assertForwarded(table, PacketBuilder.echo(Fixture.alice4, Fixture.remote4, id: 7), from: Fixture.alice, now: 0)
        assertForwarded(table, PacketBuilder.udp("\(Fixture.bob4):40000", "\(Fixture.remote4):53"),
                        from: Fixture.bob, now: 0)
    }

    func testFairShareRule() {
        XCTAssertEqual(NATConfiguration.fairShare(of: 4000), 1000)
        XCTAssertEqual(NATConfiguration.fairShare(of: 400), 100)
        XCTAssertEqual(NATConfiguration.fairShare(of: 200), 64, "never below the minimum")
        XCTAssertEqual(NATConfiguration.fairShare(of: 2), 2, "a tiny pool stays usable by one client")
        XCTAssertEqual(NATConfiguration.fairShare(of: 65535), 16383)
    }

    func testConfiguredPortShareAppliesToEachPool() {
        var configuration = Fixture.configuration()
        configuration.maxPortsPerClient = 2
        let table = Fixture.table(configuration)
        for port in 40000..<40002 {
            assertForwarded(table, PacketBuilder.udp("\(Fixture.alice4):\(port)", "\(Fixture.remote4):53"),
                            from: Fixture.alice, now: 0)
            assertForwarded(table, PacketBuilder.udp("[\(Fixture.alice6)]:\(port)", "[\(Fixture.remote6)]:53"),
                            from: Fixture.alice, now: 0)
        }
        let third = PacketBuilder.udp("\(Fixture.alice4):40002", "\(Fixture.remote4):53")
        XCTAssertEqual(table.translateOutbound(third.packet, from: Fixture.alice, now: 0), .drop(.perClientLimit))
        // Expiry gives the share back.
        table.collectGarbage(now: Fixture.seconds(121))
        assertForwarded(table, PacketBuilder.udp("\(Fixture.alice4):40002", "\(Fixture.remote4):53"),
                        from: Fixture.alice, now: Fixture.seconds(121))
        configuration.maxPortsPerClient = 0
        XCTAssertThrowsError(try NATTable(configuration: configuration))
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
        // Alice's share of so small a pool is all of it: past it, the pool is full, and says so.
        let fifth = PacketBuilder.udp("\(Fixture.alice4):40004", "\(Fixture.remote4):53")
        XCTAssertEqual(table.translateOutbound(fifth.packet, from: Fixture.alice, now: 0), .drop(.tableFull))
        XCTAssertEqual(table.statistics.drops.perClientLimit, 0)
        XCTAssertEqual(table.statistics.portsInUse, 4)
        XCTAssertEqual(table.statistics.portsInUse(of: .udp), 4)
        XCTAssertEqual(table.statistics.portCapacity(of: .udp), 8, "IPv4 and IPv6 pools")
        XCTAssertEqual(table.statistics.portCapacity, 24)
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
