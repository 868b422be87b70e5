// Where a server sends packets that are not simply "peer <-> TUN": the hooks the data
// path calls instead of its client defaults.
import WireGuard

public protocol PacketRouter: AnyObject {
    /// A decrypted packet from `peer` (client default: write it to the TUN).
    func routeFromPeer(_ packet: UnsafeRawBufferPointer, peer: Peer)
    /// A packet read from the TUN at `buffer[WireGuardDevice.headroom ..< + length]`
    /// (client default: encrypt it to the peer its destination belongs to).
    func routeFromTun(_ buffer: UnsafeMutableRawBufferPointer, length: Int, now: UInt64)
    /// A super-packet read from the TUN, before it is cut into segments: the router may
    /// rewrite its headers in place, which every segment then copies, and says where the
    /// segments go (client default: `.eachSegment`).
    func routeSuperPacketFromTun(_ packet: UnsafeMutableRawBufferPointer, now: UInt64) -> SuperPacketRoute
    /// The receive batch is done: send what was queued from its buffers.
    func flushQueued()
}
