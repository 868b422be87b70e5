// NAT module: the server's userspace NAT as pure logic. Packets come in already parsed
// (Packet's IPPacket), time comes in as a monotonic nanosecond count, and the table
// rewrites packets in place; sockets, queues and clocks belong to the caller.

/// Names the VPN client a packet came from or goes to. The NAT never interprets it;
/// the server picks the numbers (e.g. an index into its peer list).
public struct ClientID: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32

    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    public var description: String { "client \(rawValue)" }
}
