import Addresses
#if canImport(Glibc)
import Glibc
#endif

/// The address families rtnetlink messages carry.
public enum AddressFamily: UInt8, Hashable, Sendable, CustomStringConvertible {
    case unspecified = 0   // AF_UNSPEC: both, in dumps
    case ipv4 = 2          // AF_INET
    case ipv6 = 10         // AF_INET6

    public var description: String {
        switch self {
        case .unspecified: return "any family"
        case .ipv4: return "inet"
        case .ipv6: return "inet6"
        }
    }
}

extension IPAddress {
    var family: AddressFamily { isIPv4 ? .ipv4 : .ipv6 }
}
