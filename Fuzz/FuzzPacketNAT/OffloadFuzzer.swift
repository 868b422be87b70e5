// Part of the packet fuzz target: the offload code over hostile bytes. The input is a
// virtio_net_hdr and a packet, as a TUN read would hand them over. Checked: a read the
// segmenter accepts becomes segments that parse; those segments (and the packet itself,
// standing for a decrypted packet from a peer) go through the coalescer, and everything
// it writes is either the very bytes it was given or a super-packet the segmenter
// accepts back.
import Packet

enum OffloadFuzzer {
    /// A slot's worth of packet, as the data path gives the segmenter with MTU 1500.
    static let segmentCapacity = 1500
    static let segmentBuffer = UnsafeMutableRawBufferPointer.allocate(
        byteCount: OffloadSegmenter.maximumSegments * segmentCapacity, alignment: 16)
    static let coalescer = PacketCoalescer(coalescesUDP: true)

    static func run(_ input: UnsafeRawBufferPointer) {
        guard let header = VirtioNetHeader(reading: input) else { return }
        let packet = UnsafeRawBufferPointer(rebasing: input[VirtioNetHeader.size...])
        var segments = 0
        if let plan = try? OffloadSegmenter.plan(header, packet: packet, segmentCapacity: segmentCapacity) {
            for i in 0..<plan.count {
                let slot = UnsafeMutableRawBufferPointer(
                    rebasing: segmentBuffer[(i * segmentCapacity)..<((i + 1) * segmentCapacity)])
                let length = plan.writeSegment(i, from: packet, into: slot)
                precondition(length == plan.segmentLength(i), "segment \(i) has the planned length")
                if plan.count > 1 {
                    precondition(IPPacket(buffer: slot, length: length) != nil, "segment \(i) of an accepted read parses")
                }
                segments += 1
            }
        }
        coalesce(packet, segments: segments)
    }

    /// The packet, then its segments, through the coalescer.
    private static func coalesce(_ packet: UnsafeRawBufferPointer, segments: Int) {
        _ = coalescer.add(packet)
        for i in 0..<segments {
            let slot = UnsafeRawBufferPointer(rebasing: segmentBuffer[(i * segmentCapacity)..<((i + 1) * segmentCapacity)])
            guard let length = IPPacket(buffer: UnsafeMutableRawBufferPointer(mutating: slot), length: slot.count)?.length
            else { continue }
            if !coalescer.add(UnsafeRawBufferPointer(rebasing: slot[0..<length])) { break }
        }
        coalescer.flush { headerBytes, written in
            guard let header = VirtioNetHeader(reading: headerBytes) else { preconditionFailure("a written header reads back") }
            if header.segmentationType == VirtioNetHeader.gsoNone { return }
            guard let plan = try? OffloadSegmenter.plan(header, packet: written, segmentCapacity: Int(UInt16.max)) else {
                preconditionFailure("a coalesced super-packet is one the segmenter accepts")
            }
            precondition(plan.count >= 2, "a super-packet holds two segments or more")
        }
    }
}
