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

    private func outbound(_ table: NATTable, _ packet: TestPacket, _ bytes: [UInt8], _ now: UInt64) -> Int {
        packet.buffer.copyBytes(from: bytes)
        return table.translateOutbound(packet.packet, from: Fixture.alice, now: now) == .forward ? 1 : 0
    }

    private func inbound(_ table: NATTable, _ packet: TestPacket, _ bytes: [UInt8], _ now: UInt64) -> Int {
        packet.buffer.copyBytes(from: bytes)
        if case .deliver = table.translateInbound(packet.packet, now: now) { return 1 }
        return 0
    }
}
