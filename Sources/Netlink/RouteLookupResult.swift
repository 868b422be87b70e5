import Addresses

/// The route the kernel would use for one destination (as `ip route get` shows).
public struct RouteLookupResult: Hashable, Sendable, CustomStringConvertible {
    public var destination: IPAddress
    public var type: RouteType
    public var table: UInt32
    /// The egress link; nil for routes without one (blackhole, ...).
    public var linkIndex: Int32?
    public var linkName: String?
    /// The next hop, when not on-link.
    public var gateway: IPAddress?
    /// The source address locally sent packets would carry.
    public var preferredSource: IPAddress?

    public init(destination: IPAddress, type: RouteType, table: UInt32, linkIndex: Int32?,
                linkName: String?, gateway: IPAddress?, preferredSource: IPAddress?) {
        self.destination = destination
        self.type = type
        self.table = table
        self.linkIndex = linkIndex
        self.linkName = linkName
        self.gateway = gateway
        self.preferredSource = preferredSource
    }

    public var description: String {
        var text = "\(type == .unicast ? "" : "\(type) ")\(destination)"
        if let gateway { text += " via \(gateway)" }
        if let linkName { text += " dev \(linkName)" } else if let linkIndex { text += " dev #\(linkIndex)" }
        text += " table \(table)"
        if let preferredSource { text += " src \(preferredSource)" }
        return text
    }
}
