import AllocationCounter
import Addresses
import NAT
import Packet
import XCTest

/// Translating packets of existing mappings, both ways, allocates nothing.
final class NATHotPathAllocationTests: XCTestCase {
    func testExistingMappingsTranslateWithoutAllocating() {
        let table = Fixture.table()
        let udpOut = PacketBuilder.udp("\(Fixture.alice4):40000", "\(Fixture.remote4):53")
        let tcpOut = PacketBuilder.tcp("\(Fixture.alice4):40001", "\(Fixture.remote4):443", flags: [.ack])
        let pristineUDP = udpOut.bytes, pristineTCP = tcpOut.bytes
        assertForwarded(table, udpOut, from: Fixture.alice, now: 0)
        assertForwarded(table, tcpOut, from: Fixture.alice, now: 0)
        let udpIn = udpOut.reply(), tcpIn = tcpOut.reply()
        let inUDP = udpIn.bytes, inTCP = tcpIn.bytes
        assertDelivered(table, udpIn, to: Fixture.alice, now: 0)
        assertDelivered(table, tcpIn, to: Fixture.alice, now: 0)

        var forwarded = 0
        var allocationsBefore = 0
        tunnel_allocation_count_start()
        for round in 0..<2000 {
            // Put the original bytes back (in place) and translate again.
            let now = UInt64(round) * 1_000_000
            // (No array literals here: the loop itself must not allocate either.)
            forwarded += outbound(table, udpOut, pristineUDP, now) + outbound(table, tcpOut, pristineTCP, now)
            forwarded += inbound(table, udpIn, inUDP, now) + inbound(table, tcpIn, inTCP, now)
            if round % 500 == 0 {
                // The once-a-second collector is not the per-packet path; keep it out of the count.
                let sofar = tunnel_allocation_count_stop()
                table.collectGarbage(now: now)
                tunnel_allocation_count_start()
                allocationsBefore += sofar
            }
        }
        let allocations = tunnel_allocation_count_stop() + allocationsBefore
        XCTAssertEqual(forwarded, 8000)
        XCTAssertEqual(allocations, 0, "heap allocations while translating 8000 packets of existing mappings")
    }

    /// Fragments of an existing mapping: the first re-records its datagram (keeping its
    /// translated id), the later one follows the record; both ways, nothing allocated.
    func testFragmentsOfExistingMappingsTranslateWithoutAllocating() {
        let table = Fixture.table()
        var whole = PacketBuilder.udp("\(Fixture.alice4):40000", "\(Fixture.remote4):7",
                                      payload: [UInt8](repeating: 7, count: 2000)).bytes
        whole.replaceSubrange(4..<6, with: PacketBuilder.be16(0x5151))
        let out = PacketBuilder.fragmentIPv4(whole, chunk: 1480).map { TestPacket($0) }
        let pristineOut = out.map(\.bytes)
        for fragment in out { assertForwarded(table, fragment, from: Fixture.alice, now: 0) }
        let external = PacketBuilder.reassemble(out).sourcePort!
        var reply = PacketBuilder.udp("\(Fixture.remote4):7", "\(Fixture.egress4):\(external)",
                                      payload: [UInt8](repeating: 8, count: 2000)).bytes
        reply.replaceSubrange(4..<6, with: PacketBuilder.be16(0x6161))
        let into = PacketBuilder.fragmentIPv4(reply, chunk: 1480).map { TestPacket($0) }
        let pristineIn = into.map(\.bytes)
        for fragment in into { assertDelivered(table, fragment, to: Fixture.alice, now: 0) }

        var translated = 0
        tunnel_allocation_count_start()
        for round in 0..<1000 {
            let now = UInt64(round) * 1_000_000
            for i in 0..<2 {
                translated += outbound(table, out[i], pristineOut[i], now)
                translated += inbound(table, into[i], pristineIn[i], now)
            }
        }
        let allocations = tunnel_allocation_count_stop()
        XCTAssertEqual(translated, 4000)
        XCTAssertEqual(allocations, 0, "heap allocations while translating 4000 fragments of existing mappings")
    }

    private func outbound(_ table: NATTable, _ packet: TestPacket, _ bytes: [UInt8], _ now: UInt64) -> Int {
        packet.buffer.copyBytes(from: bytes)
        return table.translateOutbound(packet.packet, from: Fixture.alice, now: now) == .forward ? 1 : 0
    }

    private func inbound(_ table: NATTable, _ packet: TestPacket, _ bytes: [UInt8], _ now: UInt64) -> Int {
        packet.buffer.copyBytes(from: bytes)
        if case .deliver = table.translateInbound(packet.packet, now: now) { return 1 }
        return 0
    }

    /// Refusing a special destination and asking whether an address is the host's are
    /// per-packet decisions too: neither allocates.
    func testRefusingSpecialDestinationsAndHostLookupsAllocateNothing() {
        let table = Fixture.table()
        let loopback4 = PacketBuilder.udp("\(Fixture.alice4):40000", "127.0.0.1:7777")
        let loopback6 = PacketBuilder.udp("[\(Fixture.alice6)]:40000", "[::ffff:127.0.0.1]:7777")
        let host = HostAddresses(["192.0.2.1", "198.51.100.1", "2001:db8:51::1"].map { IPAddress($0)! })
        let asked = IPAddress("2001:db8:51::1")!, stranger = IPAddress("198.51.100.2")!
        var refused = 0, hits = 0
        tunnel_allocation_count_start()
        for _ in 0..<2000 {
            if case .drop(.toLoopback) = table.translateOutbound(loopback4.packet, from: Fixture.alice, now: 1) { refused += 1 }
            if case .drop(.toLoopback) = table.translateOutbound(loopback6.packet, from: Fixture.alice, now: 1) { refused += 1 }
            if host.contains(asked) { hits += 1 }
            if host.contains(stranger) { hits += 1 }
        }
        let allocations = tunnel_allocation_count_stop()
        XCTAssertEqual(refused, 4000)
        XCTAssertEqual(hits, 2000)
        XCTAssertEqual(allocations, 0, "heap allocations while refusing 4000 packets and making 4000 lookups")
    }
}
