// Address blocks that never name a remote host on the internet: they name this host, its
// own links, a group, or nobody. A server translating a client's packet to one of them
// would send it to itself (loopback), onto its own links (link-local, broadcast,
// multicast), or nowhere sensible (unspecified), and in every case with its own address
// as source. Integer math on the address value only: it runs per packet.

/// The kind of special-purpose address, or nil (via the failable inits) for an ordinary one.
public enum SpecialAddress: Sendable, CaseIterable, CustomStringConvertible {
    /// 127.0.0.0/8, ::1.
    case loopback
    /// 0.0.0.0/8 ("this network"), ::.
    case unspecified
    /// 224.0.0.0/4, ff00::/8.
    case multicast
    /// 255.255.255.255 (limited broadcast; IPv6 has none).
    case broadcast
    /// 169.254.0.0/16, fe80::/10.
    case linkLocal

    /// A block as its leading bits: the address's top `length` bits equal `bits`.
    private struct Block {
        let bits: UInt64
        let length: Int

        func contains(_ value: UInt64, width: Int) -> Bool { value >> UInt64(width - length) == bits }
    }

    private static let ipv4Width = 32
    private static let ipv6HalfWidth = 64
    private static let ipv4Loopback = Block(bits: 127, length: 8)
    private static let ipv4ThisNetwork = Block(bits: 0, length: 8)
    private static let ipv4Multicast = Block(bits: 0xE, length: 4)
    private static let ipv4LimitedBroadcast = Block(bits: 0xFFFF_FFFF, length: 32)
    private static let ipv4LinkLocal = Block(bits: 0xA9FE, length: 16)
    /// Tested on the high half; both of these are shorter than 64 bits.
    private static let ipv6Multicast = Block(bits: 0xFF, length: 8)
    private static let ipv6LinkLocal = Block(bits: 0xFE80 >> 6, length: 10)
    /// ::ffff:0:0/96 (RFC 4291 2.5.5.2): an IPv4 address written as IPv6. The low half is
    /// 0000:ffff:a.b.c.d, so its top 32 bits are 0xffff.
    private static let ipv4MappedLowHalf = Block(bits: 0xFFFF, length: 32)
    private static let ipv6LoopbackLowHalf: UInt64 = 1

    public init?(_ address: IPAddress) {
        switch address {
        case .v4(let a): self.init(a)
        case .v6(let a): self.init(a)
        }
    }

    public init?(_ address: IPv4Address) {
        let value = UInt64(address.value), width = Self.ipv4Width
        if Self.ipv4Loopback.contains(value, width: width) { self = .loopback }
        else if Self.ipv4ThisNetwork.contains(value, width: width) { self = .unspecified }
        else if Self.ipv4Multicast.contains(value, width: width) { self = .multicast }
        else if Self.ipv4LimitedBroadcast.contains(value, width: width) { self = .broadcast }
        else if Self.ipv4LinkLocal.contains(value, width: width) { self = .linkLocal }
        else { return nil }
    }

    /// IPv4-mapped addresses are judged by the IPv4 address inside: ::ffff:127.0.0.1 is
    /// loopback wherever a stack maps it back to IPv4.
    public init?(_ address: IPv6Address) {
        let width = Self.ipv6HalfWidth
        if address.high == 0 {
            switch address.low {
            case 0: self = .unspecified; return
            case Self.ipv6LoopbackLowHalf: self = .loopback; return
            default:
                guard Self.ipv4MappedLowHalf.contains(address.low, width: width) else { return nil }
                self.init(IPv4Address(UInt32(truncatingIfNeeded: address.low)))
                return
            }
        }
        if Self.ipv6Multicast.contains(address.high, width: width) { self = .multicast }
        else if Self.ipv6LinkLocal.contains(address.high, width: width) { self = .linkLocal }
        else { return nil }
    }

    public var description: String {
        switch self {
        case .loopback: return "loopback"
        case .unspecified: return "unspecified"
        case .multicast: return "multicast"
        case .broadcast: return "broadcast"
        case .linkLocal: return "link-local"
        }
    }
}
