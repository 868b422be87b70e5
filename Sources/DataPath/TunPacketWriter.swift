// Packets on their way into the TUN. On a TUN with offloads every write needs a
// virtio_net_hdr in front, and consecutive TCP segments of one flow (and, where the TUN
// takes USO, equal-sized UDP datagrams of one flow) are coalesced into one super-packet
// (userspace GRO) so the kernel's stack handles one packet instead of
// dozens. Coalescing holds packets until `flush`, so only packets whose bytes stay put
// until then may be queued: the ones decrypted in the UDP receive batch, flushed at the
// end of each batch. Anything else is written at once. Should the kernel refuse a
// super-packet, it is split again and written packet by packet, and coalescing stops.
//
// Ownership: the reactor's queue.
import Packet
import Reactor

final class TunPacketWriter {
    private let tun: TunDevice
    /// Nil without offloads: packets are written one by one, bare.
    private let coalescer: PacketCoalescer?
    private let noHeader: UnsafeMutableRawBufferPointer
    /// Set once the kernel refused a super-packet: from then on packets go one by one.
    private var coalescingRefused = false
    /// Where a refused super-packet is split; allocated only if that ever happens.
    private var splitBuffer: UnsafeMutableRawBufferPointer?
    /// This writer's part of the data path counts (writes, coalescing, failures).
    private(set) var counts = DataPathCounts()

    init(tun: TunDevice) {
        self.tun = tun
        let canTakeSuperPackets = tun.offloads.contains(.checksum)
            && tun.offloads.contains([.tcpIPv4Segmentation, .tcpIPv6Segmentation])
        // UDP super-packets only if the kernel takes them for both IP versions.
        let takesUDP = tun.offloads.contains([.udpIPv4Segmentation, .udpIPv6Segmentation])
        coalescer = canTakeSuperPackets ? PacketCoalescer(coalescesUDP: takesUDP) : nil
        noHeader = .allocate(byteCount: VirtioNetHeader.size, alignment: 8)
        VirtioNetHeader.none.write(to: noHeader)
    }

    deinit {
        noHeader.deallocate()
        splitBuffer?.deallocate()
    }

    /// Writes `packet` now.
    @inline(__always)
    func write(_ packet: UnsafeRawBufferPointer) {
        let written: Bool
        if tun.hasVirtioHeader {
            written = (try? tun.write(header: UnsafeRawBufferPointer(noHeader), packet: packet)) == .written
        } else {
            written = (try? tun.write(packet)) == true
        }
        if !written { counts.tunWriteFailures &+= 1 }
    }

    /// Queues `packet`, whose bytes must stay unchanged until the next `flush`.
    @inline(__always)
    func queue(_ packet: UnsafeRawBufferPointer) {
        guard let coalescer, !coalescingRefused else {
            write(packet)
            return
        }
        if !coalescer.add(packet) {
            flush()
            if !coalescer.add(packet) { write(packet) }
        }
    }

    /// Writes everything queued, in order.
    func flush() {
        guard let coalescer else { return }
        var failures: UInt64 = 0
        var superPackets: UInt64 = 0
        coalescer.flush { header, packet in
            let isSuperPacket = VirtioNetHeader(reading: header).map { $0.gsoType != VirtioNetHeader.gsoNone } ?? false
            switch try? tun.write(header: header, packet: packet) {
            case .written?:
                if isSuperPacket { superPackets &+= 1 }
            case .refused? where isSuperPacket:
                writeSplit(header: header, packet: packet)
            default:
                failures &+= 1
            }
        }
        counts.tunWriteFailures &+= failures
        counts.tunSuperPacketsWritten &+= superPackets
        counts.tunPacketsCoalesced = coalescer.coalescedPackets
    }

    /// A super-packet the kernel would not take, written as the packets it was made of.
    private func writeSplit(header: UnsafeRawBufferPointer, packet: UnsafeRawBufferPointer) {
        coalescingRefused = true
        counts.tunSuperPacketsRefused &+= 1
        let buffer = splitBuffer ?? .allocate(byteCount: PacketCoalescer.bufferCapacity, alignment: 16)
        splitBuffer = buffer
        guard let virtio = VirtioNetHeader(reading: header),
              let plan = try? OffloadSegmenter.plan(virtio, packet: packet, segmentCapacity: buffer.count) else {
            counts.tunWriteFailures &+= 1
            return
        }
        for i in 0..<plan.count {
            let length = plan.writeSegment(i, from: packet, into: buffer)
            write(UnsafeRawBufferPointer(rebasing: buffer[0..<length]))
        }
    }
}
