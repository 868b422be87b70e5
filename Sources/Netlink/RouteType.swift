/// The kind of a route (rtm_type, RTN_*): what the kernel does with a match.
public enum RouteType: UInt8, Hashable, Sendable, CustomStringConvertible {
    case unspecified = 0
    case unicast = 1
    case local = 2
    case broadcast = 3
    case anycast = 4
    case multicast = 5
    case blackhole = 6
    case unreachable = 7
    case prohibit = 8
    /// Ends the lookup in this table; policy routing goes on with the next rule.
    case `throw` = 9
    case nat = 10
    case externalResolve = 11

    public var description: String {
        switch self {
        case .unspecified: return "unspec"
        case .unicast: return "unicast"
        case .local: return "local"
        case .broadcast: return "broadcast"
        case .anycast: return "anycast"
        case .multicast: return "multicast"
        case .blackhole: return "blackhole"
        case .unreachable: return "unreachable"
        case .prohibit: return "prohibit"
        case .throw: return "throw"
        case .nat: return "nat"
        case .externalResolve: return "xresolve"
        }
    }
}
