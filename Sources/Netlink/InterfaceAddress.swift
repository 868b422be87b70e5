import Addresses

/// An address assigned to a link: the address with its prefix length (host bits
/// kept, "100.64.0.1/24"), as in `ip addr`.
public struct InterfaceAddress: Hashable, Sendable, CustomStringConvertible {
    public var prefix: IPPrefix
    public var linkIndex: Int32
    /// IFA_F_* flags (e.g. permanent, nodad, tentative).
    public var flags: UInt32
    /// RT_SCOPE_* value: 0 global, 253 link, 254 host.
    public var scope: UInt8

    public init(prefix: IPPrefix, linkIndex: Int32, flags: UInt32 = 0, scope: UInt8 = 0) {
        self.prefix = prefix
        self.linkIndex = linkIndex
        self.flags = flags
        self.scope = scope
    }

    public var description: String { "\(prefix) on link #\(linkIndex)" }
}
