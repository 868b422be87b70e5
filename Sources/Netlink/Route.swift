import Addresses

/// A route in one routing table, as added with `ip route add` or listed by a dump.
public struct Route: Hashable, Sendable, CustomStringConvertible {
    /// The destination network (host bits are cleared when the route is sent).
    public var destination: IPPrefix
    public var table: UInt32
    public var gateway: IPAddress?
    public var outputLinkIndex: Int32?
    /// The source address the kernel picks for locally sent packets (RTA_PREFSRC).
    public var preferredSource: IPAddress?
    /// The route's priority (RTA_PRIORITY); lower wins.
    public var metric: UInt32?
    /// nil: chosen like iproute2 does (host for local routes, link for a
    /// unicast route without gateway, universe otherwise).
    public var scope: RouteScope?
    /// Who owns the route (RTPROT_*, or the program's own id).
    public var protocolID: UInt8
    public var type: RouteType

    public init(destination: IPPrefix, table: UInt32 = RouteTable.main, gateway: IPAddress? = nil,
                outputLinkIndex: Int32? = nil, preferredSource: IPAddress? = nil, metric: UInt32? = nil,
                scope: RouteScope? = nil, protocolID: UInt8 = RouteProtocol.boot,
                type: RouteType = .unicast) {
        self.destination = destination
        self.table = table
        self.gateway = gateway
        self.outputLinkIndex = outputLinkIndex
        self.preferredSource = preferredSource
        self.metric = metric
        self.scope = scope
        self.protocolID = protocolID
        self.type = type
    }

    public var family: AddressFamily { destination.address.family }

    /// The scope sent when adding: the explicit one, or iproute2's choice.
    var effectiveScope: RouteScope {
        if let scope { return scope }
        if !destination.address.isIPv4 { return .universe }
        switch type {
        case .local, .nat: return .host
        case .broadcast, .multicast, .anycast: return .link
        case .unicast, .unspecified: return gateway == nil ? .link : .universe
        default: return .universe
        }
    }

    public var description: String {
        var text = "\(type == .unicast ? "" : "\(type) ")\(destination.network)"
        if let gateway { text += " via \(gateway)" }
        if let outputLinkIndex { text += " dev #\(outputLinkIndex)" }
        text += " table \(table)"
        if let preferredSource { text += " src \(preferredSource)" }
        if let metric { text += " metric \(metric)" }
        return text + " proto \(protocolID)"
    }
}
