import AllocationCounter
import XCTest
@testable import Packet

/// The offload path allocates nothing per packet: splitting a TCP super-packet into send
/// slots, and coalescing the segments back into one super-packet for the TUN.
final class OffloadAllocationTests: XCTestCase {
    static let rounds = 200
    static let slotSize = 1500
    static let payloadPerSegment = 1400
    static let segmentsPerRead = 40

    func testSplittingAndCoalescingAllocateNothing() throws {
        let payload = OffloadPacketBuilder.pattern(Self.payloadPerSegment * Self.segmentsPerRead)
        let superPacket = OffloadPacketBuilder.partial(OffloadPacketBuilder.tcp(.v4, payload: payload),
                                                       proto: IPProtocol.tcp)
        let header = VirtioNetHeader(flags: VirtioNetHeader.needsChecksum, gsoType: VirtioNetHeader.gsoTCPv4,
                                     headerLength: 52, gsoSize: UInt16(Self.payloadPerSegment),
                                     checksumStart: 20, checksumOffset: 16)
        let pinned = PinnedPackets()
        let read = pinned.pin(superPacket)
        let slots = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.segmentsPerRead * Self.slotSize, alignment: 16)
        defer { slots.deallocate() }
        let coalescer = PacketCoalescer()

        var segments = 0, superPackets = 0, written = 0
        tunnel_allocation_count_start()
        for _ in 0..<Self.rounds {
            let plan = try OffloadSegmenter.plan(header, packet: read, segmentCapacity: Self.slotSize)
            var i = 0
            while i < plan.count {
                let slot = UnsafeMutableRawBufferPointer(rebasing: slots[(i * Self.slotSize)..<((i + 1) * Self.slotSize)])
                let length = plan.writeSegment(i, from: read, into: slot)
                _ = coalescer.add(UnsafeRawBufferPointer(rebasing: slot[0..<length]))
                segments += 1
                i += 1
            }
            coalescer.flush { header, packet in
                if header[1] != VirtioNetHeader.gsoNone { superPackets += 1 }
                written += packet.count
            }
        }
        let allocations = tunnel_allocation_count_stop()
        XCTAssertEqual(segments, Self.rounds * Self.segmentsPerRead)
        XCTAssertEqual(superPackets, Self.rounds, "each read's segments became one super-packet again")
        XCTAssertEqual(written, Self.rounds * superPacket.count)
        XCTAssertEqual(allocations, 0, "heap allocations while splitting and coalescing \(segments) segments")
    }
}
