// Packets on their way into the TUN. On a TUN with offloads every write needs a
// virtio_net_hdr in front, and consecutive TCP segments of one flow are coalesced into
// one super-packet (userspace GRO) so the kernel's stack handles one packet instead of
// dozens. Coalescing holds packets until `flush`, so only packets whose bytes stay put
// until then may be queued: the ones decrypted in the UDP receive batch, flushed at the
// end of each batch. Anything else is written at once.
//
// Ownership: the reactor's queue.
import Packet
import Reactor

final class TunPacketWriter {
    private let tun: TunDevice
    /// Nil without offloads: packets are written one by one, bare.
    private let coalescer: TCPCoalescer?
    private let noHeader: UnsafeMutableRawBufferPointer
    /// This writer's part of the data path counts (writes, coalescing, failures).
    private(set) var counts = DataPathCounts()

    init(tun: TunDevice) {
        self.tun = tun
        let canTakeSuperPackets = tun.offloads.contains(.checksum)
            && tun.offloads.contains([.tcpIPv4Segmentation, .tcpIPv6Segmentation])
        coalescer = canTakeSuperPackets ? TCPCoalescer() : nil
        noHeader = .allocate(byteCount: VirtioNetHeader.size, alignment: 8)
        VirtioNetHeader.none.write(to: noHeader)
    }

    deinit { noHeader.deallocate() }

    /// Writes `packet` now.
    @inline(__always)
    func write(_ packet: UnsafeRawBufferPointer) {
        let written: Bool?
        if tun.hasVirtioHeader {
            written = try? tun.write(header: UnsafeRawBufferPointer(noHeader), packet: packet)
        } else {
            written = try? tun.write(packet)
        }
        if written != true { counts.tunWriteFailures &+= 1 }
    }

    /// Queues `packet`, whose bytes must stay unchanged until the next `flush`.
    @inline(__always)
    func queue(_ packet: UnsafeRawBufferPointer) {
        guard let coalescer else {
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
            if header.count == VirtioNetHeader.size, header[1] != VirtioNetHeader.gsoNone { superPackets &+= 1 }
            if (try? tun.write(header: header, packet: packet)) != true { failures &+= 1 }
        }
        counts.tunWriteFailures &+= failures
        counts.tunSuperPacketsWritten &+= superPackets
        counts.tunPacketsCoalesced = coalescer.coalescedPackets
    }
}
