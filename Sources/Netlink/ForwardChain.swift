import CNetlink

/// An nf_tables base chain on the forward hook (the FORWARD chain iptables-nft makes
/// is one), as the kernel lists it: enough to name it in a message.
public struct ForwardChain: Equatable, Sendable, CustomStringConvertible {
    /// "inet", "ip" or "ip6", as `nft` writes the family.
    public let family: String
    public let table: String
    public let name: String
    /// True when a packet that no rule accepts is dropped (`policy drop`).
    public let dropsByDefault: Bool

    public init(family: String, table: String, name: String, dropsByDefault: Bool) {
        self.family = family
        self.table = table
        self.name = name
        self.dropsByDefault = dropsByDefault
    }

    /// "inet filter forward": the words `nft list chain` takes.
    public var description: String { "\(family) \(table) \(name)" }

    /// The families whose forward hook routed IP packets pass, by NFPROTO number.
    static let familyNames: [UInt8: String] = [UInt8(NFPROTO_INET): "inet", UInt8(NFPROTO_IPV4): "ip",
                                               UInt8(NFPROTO_IPV6): "ip6"]
}
