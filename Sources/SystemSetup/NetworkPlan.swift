// What the client changes around its tunnel interface, computed from the config
// alone (pure: no netlink, no files), following wg-quick on Linux.
//
// Split tunnel: one route per AllowedIPs prefix into the interface, in `main`.
// Full tunnel (0.0.0.0/0 or ::/0 in AllowedIPs, per family): a default route into
// the interface in table T; `not fwmark M lookup T`, so everything but the
// tunnel's own marked UDP packets goes there; `lookup main suppress_prefixlength 0`
// before it, so more specific routes (local networks) keep working; and for IPv4
// src_valid_mark=1. M and T are the config's FwMark, else the chosen table number.
import Addresses
import Config
import Netlink

public struct NetworkPlan: Equatable, Sendable {
    /// wg-quick's first choice of table and mark.
    public static let defaultRoutingTable: UInt32 = 51820
    /// wg-quick's MTU for an IPv6 underlay (1500 minus 80 bytes of headers).
    public static let defaultMTU: UInt32 = 1420

    public var interfaceName: String
    public var interfaceIndex: Int32
    public var addresses: [IPPrefix]
    public var mtu: UInt32
    /// In the order they are added.
    public var routes: [Route]
    /// In the order they are added (the suppress rule first).
    public var rules: [Rule]
    public var sysctls: [SysctlSetting]
    /// The SO_MARK the data path must put on its UDP socket; nil: no mark.
    public var socketMark: UInt32?
    /// Families whose whole traffic goes through the tunnel.
    public var fullTunnelFamilies: [AddressFamily]
    /// The table holding the full-tunnel default routes; nil without full tunnel.
    public var fullTunnelTable: UInt32?
    /// nil when the config has no DNS servers: resolv.conf is not touched.
    public var resolver: ResolverConfiguration?
    /// Families whose `lookup local` rule moves from priority 0 to `movedLocalRulePriority`
    /// (a server's NAT diversion rules go in front of it).
    public var movedLocalRules: [AddressFamily] = []
    public var movedLocalRulePriority: UInt32 = 0
    /// The routing-protocol id the plan's routes and rules carry.
    public var protocolID: UInt8 = TunnelRouteProtocol.id

    /// - Parameter routingTable: table and mark for full-tunnel mode when the
    ///   config has no FwMark (a caller may pick a free one, as wg-quick does).
    public init(config: WireGuardConfig, interfaceName: String, interfaceIndex: Int32,
                routingTable: UInt32 = NetworkPlan.defaultRoutingTable) throws {
        let section = config.interface
        self.interfaceName = interfaceName
        self.interfaceIndex = interfaceIndex
        addresses = NetworkPlan.unique(section.addresses)
        mtu = section.mtu.map { UInt32($0) } ?? NetworkPlan.defaultMTU
        resolver = section.dns.isEmpty ? nil
            : ResolverConfiguration(servers: section.dns, searchDomains: section.dnsSearch)
        routes = []
        rules = []
        sysctls = []
        socketMark = section.fwMark
        fullTunnelFamilies = []
        fullTunnelTable = nil

        let allowed = NetworkPlan.unique(config.peers.flatMap(\.allowedIPs).map(\.network))
        switch try RoutingTableChoice(parsing: section.table) {
        case .off:
            break
        case .table(let table):
            routes = allowed.map { route(to: $0, table: table) }
        case .automatic:
            planAutomatic(allowed, fullTable: section.fwMark ?? routingTable)
        }
    }

    private mutating func planAutomatic(_ allowed: [IPPrefix], fullTable: UInt32) {
        // `allowed` is unique, so this holds at most one /0 per family; IPv4 first.
        let defaults = allowed.filter { $0.length == 0 }.sorted { $0.address.isIPv4 && !$1.address.isIPv4 }
        let full = defaults.map(NetworkPlan.family(of:))
        // Under a full-tunnel default every other prefix of that family is
        // already covered; a route in `main` for it would also catch the marked
        // UDP packets (the suppress rule lets it through) and loop them.
        routes = allowed.filter { !full.contains(NetworkPlan.family(of: $0)) }
            .map { route(to: $0, table: RouteTable.main) }
        guard !full.isEmpty else { return }
        fullTunnelFamilies = full
        fullTunnelTable = fullTable
        let mark = socketMark ?? fullTable
        socketMark = mark
        for everything in defaults {
            routes.append(route(to: everything, table: fullTable))
            rules += NetworkPlan.fullTunnelRules(family: NetworkPlan.family(of: everything),
                                                       table: fullTable, mark: mark)
        }
        if full.contains(.ipv4) { sysctls.append(.sourceValidMark) }
    }

    private func route(to prefix: IPPrefix, table: UInt32) -> Route {
        Route(destination: prefix, table: table, outputLinkIndex: interfaceIndex,
              protocolID: TunnelRouteProtocol.id)
    }

    static func fullTunnelRules(family: AddressFamily, table: UInt32, mark: UInt32) -> [Rule] {
        [Rule(family: family, priority: ClientRulePriority.suppressMainDefault,
              action: .lookup(table: RouteTable.main), suppressPrefixLength: 0,
              protocolID: TunnelRouteProtocol.id),
         Rule(family: family, priority: ClientRulePriority.unmarkedToTunnel, action: .lookup(table: table),
              mark: FirewallMark(mark), invert: true, protocolID: TunnelRouteProtocol.id)]
    }

    static func family(of prefix: IPPrefix) -> AddressFamily {
        prefix.address.isIPv4 ? .ipv4 : .ipv6
    }

    /// Keeps the first of equal entries, in order.
    static func unique(_ prefixes: [IPPrefix]) -> [IPPrefix] {
        var seen = Set<IPPrefix>()
        return prefixes.filter { seen.insert($0).inserted }
    }

    /// A route in words for messages: "0.0.0.0/0 dev tunnel0 table 51820".
    public func describe(_ route: Route) -> String {
        var text = "\(route.destination.network)"
        if let index = route.outputLinkIndex {
            text += " dev " + (index == interfaceIndex ? interfaceName : "#\(index)")
        }
        return text + " table \(route.table)"
    }
}
