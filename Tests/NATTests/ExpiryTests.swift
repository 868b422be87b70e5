// Timeouts with a hand-driven clock: mappings expire when idle, ports come back,
// TCP's timeout follows its state, and the counters return to zero.
import Addresses
import NAT
import Packet
import XCTest

final class ExpiryTests: XCTestCase {
    private func seconds(_ s: UInt64) -> UInt64 { Fixture.seconds(s) }

    func testUDPMappingExpiresAfter120SecondsIdleAndItsPortIsReused() {
        let table = Fixture.table(Fixture.configuration(portRange: 61000...61001))
        let first = PacketBuilder.udp("\(Fixture.alice4):40000", "\(Fixture.remote4):53")
        assertForwarded(table, first, from: Fixture.alice, now: 0)
        let port = first.sourcePort!
        table.collectGarbage(now: seconds(119))
        XCTAssertEqual(table.statistics.udpMappings, 1, "still alive before 120 s")
        let late = first.reply()
        table.collectGarbage(now: seconds(120))
        XCTAssertEqual(table.statistics.udpMappings, 0, "expired at 120 s")
        XCTAssertEqual(table.statistics.portsInUse, 0)
        XCTAssertEqual(table.translateInbound(late.packet, now: seconds(120)), .drop(.noMapping))
        // The freed port is handed out again once the cursor comes round.
        var ports: Set<UInt16> = []
        for internalPort in [41000, 41001] as [UInt16] {
            let next = PacketBuilder.udp("\(Fixture.bob4):\(internalPort)", "\(Fixture.remote4):53")
            assertForwarded(table, next, from: Fixture.bob, now: seconds(121))
            ports.insert(next.sourcePort!)
        }
        XCTAssertTrue(ports.contains(port), "port \(port) reused, got \(ports)")
    }

    func testTrafficKeepsAMappingAlive() {
        let table = Fixture.table()
        let out = PacketBuilder.udp("\(Fixture.alice4):40000", "\(Fixture.remote4):53")
        assertForwarded(table, out, from: Fixture.alice, now: 0)
        let port = out.sourcePort
        for t in stride(from: UInt64(100), through: 1000, by: 100) {
            let again = PacketBuilder.udp("\(Fixture.alice4):40000", "\(Fixture.remote4):53")
            assertForwarded(table, again, from: Fixture.alice, now: seconds(t))
            XCTAssertEqual(again.sourcePort, port)
            table.collectGarbage(now: seconds(t))
        }
        XCTAssertEqual(table.statistics.udpMappings, 1)
        table.collectGarbage(now: seconds(1120))
        XCTAssertEqual(table.statistics.udpMappings, 0)
    }

    func testInboundTrafficAlsoRefreshes() {
        let table = Fixture.table()
        let out = PacketBuilder.udp("\(Fixture.alice4):40000", "\(Fixture.remote4):53")
        assertForwarded(table, out, from: Fixture.alice, now: 0)
        assertDelivered(table, out.reply(), to: Fixture.alice, now: seconds(100))
        table.collectGarbage(now: seconds(200))
        XCTAssertEqual(table.statistics.udpMappings, 1)
    }

    /// Opens a TCP connection through the NAT: SYN out, SYN+ACK in, ACK out.
    private func establish(_ table: NATTable, now: UInt64) -> UInt16 {
        let syn = PacketBuilder.tcp("\(Fixture.alice4):40000", "\(Fixture.remote4):80", flags: .syn)
        assertForwarded(table, syn, from: Fixture.alice, now: now)
        let port = syn.sourcePort!
        let synAck = PacketBuilder.tcp("\(Fixture.remote4):80", "\(Fixture.egress4):\(port)", flags: [.syn, .ack])
        assertDelivered(table, synAck, to: Fixture.alice, now: now)
        let ack = PacketBuilder.tcp("\(Fixture.alice4):40000", "\(Fixture.remote4):80", flags: .ack)
        assertForwarded(table, ack, from: Fixture.alice, now: now)
        return port
    }

    func testEstablishedTCPLastsTwoHoursFourMinutes() {
        let table = Fixture.table()
        _ = establish(table, now: 0)
        XCTAssertEqual(table.mappings(now: 0).first?.tcpState, .established)
        table.collectGarbage(now: seconds(7439))
        XCTAssertEqual(table.statistics.tcpMappings, 1)
        table.collectGarbage(now: seconds(7440))
        XCTAssertEqual(table.statistics.tcpMappings, 0)
    }

    func testUnansweredSYNTimesOutAfterFourMinutes() {
        let table = Fixture.table()
        let syn = PacketBuilder.tcp("\(Fixture.alice4):40000", "\(Fixture.remote4):80", flags: .syn)
        assertForwarded(table, syn, from: Fixture.alice, now: 0)
        XCTAssertEqual(table.mappings(now: 0).first?.tcpState, .synSent)
        table.collectGarbage(now: seconds(239))
        XCTAssertEqual(table.statistics.tcpMappings, 1)
        table.collectGarbage(now: seconds(240))
        XCTAssertEqual(table.statistics.tcpMappings, 0)
    }

    func testFINShortensTheTimeoutToClosing() {
        let table = Fixture.table()
        let port = establish(table, now: 0)
        let fin = PacketBuilder.tcp("\(Fixture.remote4):80", "\(Fixture.egress4):\(port)", flags: [.fin, .ack])
        assertDelivered(table, fin, to: Fixture.alice, now: seconds(1000))
        XCTAssertEqual(table.mappings(now: seconds(1000)).first?.tcpState, .closing)
        XCTAssertEqual(table.mappings(now: seconds(1000)).first?.expiresIn, seconds(240))
        table.collectGarbage(now: seconds(1239))
        XCTAssertEqual(table.statistics.tcpMappings, 1)
        table.collectGarbage(now: seconds(1240))
        XCTAssertEqual(table.statistics.tcpMappings, 0, "freed at the closing timeout, not the established one")
    }

    func testRSTClosesToo() {
        let table = Fixture.table()
        _ = establish(table, now: 0)
        let rst = PacketBuilder.tcp("\(Fixture.alice4):40000", "\(Fixture.remote4):80", flags: .rst)
        assertForwarded(table, rst, from: Fixture.alice, now: seconds(10))
        table.collectGarbage(now: seconds(250))
        XCTAssertEqual(table.statistics.tcpMappings, 0)
    }

    func testStatisticsReturnToZeroAfterExpiry() {
        let table = Fixture.table(Fixture.configuration(timeouts: .uniform(seconds: 5)))
        for port in 40000..<40010 {
            assertForwarded(table, PacketBuilder.udp("\(Fixture.alice4):\(port)", "\(Fixture.remote4):53"),
                            from: Fixture.alice, now: 0)
            assertForwarded(table, PacketBuilder.tcp("[\(Fixture.bob6)]:\(port)", "[\(Fixture.remote6)]:80", flags: .syn),
                            from: Fixture.bob, now: 0)
        }
        assertForwarded(table, PacketBuilder.echo(Fixture.alice4, Fixture.remote4, id: 1), from: Fixture.alice, now: 0)
        let busy = table.statistics
        XCTAssertEqual(busy.mappings, 21)
        XCTAssertEqual(busy.portsInUse, 21)
        for t in 1...5 { table.collectGarbage(now: seconds(UInt64(t))) }
        let idle = table.statistics
        XCTAssertEqual(idle.tcpMappings, 0)
        XCTAssertEqual(idle.udpMappings, 0)
        XCTAssertEqual(idle.icmpMappings, 0)
        XCTAssertEqual(idle.portsInUse, 0)
        XCTAssertTrue(table.mappings(now: seconds(5)).isEmpty)
    }

    func testALongPauseBetweenCollectionsStillFreesEverything() {
        let table = Fixture.table()
        assertForwarded(table, PacketBuilder.udp("\(Fixture.alice4):40000", "\(Fixture.remote4):53"),
                        from: Fixture.alice, now: 0)
        _ = establish(table, now: 0)
        table.collectGarbage(now: seconds(100_000))
        XCTAssertEqual(table.statistics.mappings, 0)
    }

    func testExpiredButUncollectedMappingIsNotUsedForReplies() {
        let table = Fixture.table()
        let out = PacketBuilder.udp("\(Fixture.alice4):40000", "\(Fixture.remote4):53")
        assertForwarded(table, out, from: Fixture.alice, now: 0)
        XCTAssertEqual(table.translateInbound(out.reply().packet, now: seconds(121)), .drop(.noMapping))
        XCTAssertEqual(table.statistics.udpMappings, 0)
    }
}
