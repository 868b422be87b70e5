// Reads from a TUN with offloads: each read is a virtio_net_hdr and a packet that may be
// a 64 KB TCP or UDP super-packet, or a packet whose transport checksum is left to us.
// Every read becomes ordinary packets of at most the MTU with complete checksums, each
// built where the caller wants it (a send slot, with headroom for the WireGuard header),
// so the rest of the data path never sees an offload.
//
// Ownership: the reactor's queue.
import Packet
import Reactor
import WireGuard

final class TunSuperPacketReader {
    enum Outcome {
        /// Nothing was waiting.
        case empty
        /// One read was handled (its packets handed on, or dropped and counted).
        case handled
    }

    private let tun: TunDevice
    /// This reader's part of the data path counts (super-packets, segments, rejections).
    private(set) var counts = DataPathCounts()
    /// One read: headroom, then the header right before the packet, then tailroom, so a
    /// packet too big for a slot can be sealed where it lies.
    private let buffer: UnsafeMutableRawBufferPointer
    /// The largest super-packet (an IP packet's 64 KB) and its header.
    static let largestRead = 65535 + VirtioNetHeader.size
    private static let packetStart = WireGuardDevice.headroom
    private static let headerStart = packetStart - VirtioNetHeader.size

    /// How much packet a slot holds after its headroom (and before its tailroom).
    private let segmentCapacity: Int

    init(tun: TunDevice, segmentCapacity: Int) {
        self.tun = tun
        self.segmentCapacity = segmentCapacity
        buffer = .allocate(byteCount: WireGuardDevice.headroom + TunSuperPacketReader.largestRead + WireGuardDevice.tailroom,
                           alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// Reads one packet and hands each resulting packet to `deliver(buffer, length, route)`,
    /// the packet at `buffer[headroom...]`. `slot()` gives the buffer for the next one;
    /// it is called once per packet, right before it is built. A super-packet is first
    /// shown whole to `route`, which may rewrite its headers and decides for all of its
    /// segments; a packet read alone is delivered as `.eachSegment`.
    @inline(__always)
    func readOnce(slot: () -> UnsafeMutableRawBufferPointer,
                  route: (UnsafeMutableRawBufferPointer) -> SuperPacketRoute,
                  deliver: (UnsafeMutableRawBufferPointer, Int, SuperPacketRoute) -> Void) throws -> Outcome {
        let space = UnsafeMutableRawBufferPointer(
            rebasing: buffer[Self.headerStart..<(buffer.count - WireGuardDevice.tailroom)])
        guard let n = try tun.read(into: space) else { return .empty }
        guard n > VirtioNetHeader.size, let header = VirtioNetHeader(reading: UnsafeRawBufferPointer(space)) else {
            counts.tunOffloadRejected &+= 1
            return .handled
        }
        let length = n - VirtioNetHeader.size
        let packet = UnsafeMutableRawBufferPointer(rebasing: buffer[Self.packetStart..<(Self.packetStart + length)])
        do {
            if header.segmentationType == VirtioNetHeader.gsoNone && length > segmentCapacity {
                // Bigger than a slot (the MTU grew after start): finish it where it lies.
                try OffloadSegmenter.completeChecksum(header, in: packet)
                deliver(buffer, length, .eachSegment)
                return .handled
            }
            let plan = try OffloadSegmenter.plan(header, packet: UnsafeRawBufferPointer(packet),
                                                 segmentCapacity: segmentCapacity)
            var decided = SuperPacketRoute.eachSegment
            if plan.count > 1 {
                counts.tunSuperPacketsRead &+= 1
                // The plan holds offsets only: rewriting addresses and ports keeps it valid.
                decided = route(packet)
                if case .dropped = decided { return .handled }
                counts.tunSegmentsMade &+= UInt64(plan.count)
            }
            for i in 0..<plan.count {
                let target = slot()
                let room = UnsafeMutableRawBufferPointer(rebasing: target[Self.packetStart..<(Self.packetStart + segmentCapacity)])
                deliver(target, plan.writeSegment(i, from: UnsafeRawBufferPointer(packet), into: room), decided)
            }
        } catch {
            counts.tunOffloadRejected &+= 1
        }
        return .handled
    }
}
