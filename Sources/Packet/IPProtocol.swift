// IANA protocol numbers used by the packet views (IPv4 "protocol", IPv6 "next header").

/// Protocol numbers the views understand; each is named once here.
public enum IPProtocol {
    public static let hopByHop: UInt8 = 0
    public static let icmpv4: UInt8 = 1
    public static let tcp: UInt8 = 6
    public static let udp: UInt8 = 17
    public static let ipv6Routing: UInt8 = 43
    public static let ipv6Fragment: UInt8 = 44
    public static let icmpv6: UInt8 = 58
    public static let ipv6NoNextHeader: UInt8 = 59
    public static let ipv6DestinationOptions: UInt8 = 60

    /// Whether an IPv6 next-header value is an extension header this module walks over.
    @inline(__always)
    static func isWalkableIPv6Extension(_ value: UInt8) -> Bool {
        value == hopByHop || value == ipv6Routing || value == ipv6Fragment || value == ipv6DestinationOptions
    }
}
