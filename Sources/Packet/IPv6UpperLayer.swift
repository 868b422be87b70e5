// Where an IPv6 packet's upper-layer (transport) data starts, found by the extension-header walk.

/// The result of walking an IPv6 packet's extension headers.
public struct IPv6UpperLayer: Equatable, Sendable {
    /// The upper-layer protocol (TCP, UDP, ICMPv6, 59 for "no next header", or an unwalked one such as ESP).
    public var protocolNumber: UInt8
    /// Byte offset of the upper-layer data within the packet.
    public var offset: Int
    /// The fragment header, if the packet has one.
    public var fragment: IPv6FragmentInfo?
    /// The largest "segments left" of the routing headers walked (0 without one). Above
    /// zero the destination field is only the next hop, not where the packet ends up.
    public var routingSegmentsLeft: UInt8 = 0
}
