// Why an in-place rewrite was refused. A refused rewrite leaves the packet unchanged.

/// A rewrite the packet cannot take, for the caller to count and drop.
public enum RewriteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An address of the other family than the packet's.
    case familyMismatch(packet: IPVersion)
    /// The packet has no ports: not TCP/UDP, or a non-first fragment without a transport header.
    case noPorts(protocolNumber: UInt8)
    /// The packet is not an ICMP/ICMPv6 echo request or reply (or carries no ICMP header).
    case notEcho(protocolNumber: UInt8)
    /// The packet is not an ICMP/ICMPv6 error quoting an original packet.
    case notICMPError

    public var description: String {
        switch self {
        case .familyMismatch(let v):
            return "address family differs from the IP\(v) packet"
        case .noPorts(let p):
            return "protocol \(p) packet carries no TCP/UDP ports here"
        case .notEcho(let p):
            return "protocol \(p) packet is not an ICMP echo request or reply"
        case .notICMPError:
            return "packet is not an ICMP error with a quoted original packet"
        }
    }
}
