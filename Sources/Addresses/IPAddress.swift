/// Either family of IP address.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    /// Parses either family; brackets around IPv6 ("[2001:db8::1]") are accepted.
    public init?(_ text: String) {
        var t = Substring(text)
        if t.hasPrefix("[") && t.hasSuffix("]") { t = t.dropFirst().dropLast() }
        if let a = IPv4Address(String(t)) { self = .v4(a) }
        else if let a = IPv6Address(String(t)) { self = .v6(a) }
        else { return nil }
    }

    public var isIPv4: Bool { if case .v4 = self { return true } else { return false } }
    /// Address length in bits: 32 or 128.
    public var bitWidth: Int { isIPv4 ? 32 : 128 }
    public var bytes: [UInt8] {
        switch self {
        case .v4(let a): return a.bytes
        case .v6(let a): return a.bytes
        }
    }

    public var description: String {
        switch self {
        case .v4(let a): return a.description
        case .v6(let a): return a.description
        }
    }
}
