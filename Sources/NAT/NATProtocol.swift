// The kinds of flow the NAT translates, each with its own external port (or id) space.

/// A translated transport: TCP and UDP by port, ICMP/ICMPv6 echo by identifier.
public enum NATProtocol: Int, CaseIterable, Sendable, CustomStringConvertible {
    case tcp = 0
    case udp = 1
    case icmp = 2

    public var description: String {
        switch self {
        case .tcp: return "tcp"
        case .udp: return "udp"
        case .icmp: return "icmp"
        }
    }
}
