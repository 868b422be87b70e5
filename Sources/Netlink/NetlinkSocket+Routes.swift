import Addresses
import CNetlink

/// Routes: add, replace, remove, list, in any table.
extension NetlinkSocket {
    /// Adds a route; fails (isAlreadyExists) if an equal one is there.
    public func addRoute(_ route: Route) throws {
        try perform(routeRequest(type: RTM_NEWROUTE, flags: NLM_F_CREATE | NLM_F_EXCL, route: route,
                                 operation: "add route \(route)"))
    }

    /// Adds a route, or replaces the one with the same destination, table and metric.
    public func replaceRoute(_ route: Route) throws {
        try perform(routeRequest(type: RTM_NEWROUTE, flags: NLM_F_CREATE | NLM_F_REPLACE, route: route,
                                 operation: "replace route \(route)"))
    }

    /// Removes the route matching `route`'s destination, table, type and
    /// protocol id, and its gateway, link, source, metric and scope when given.
    public func removeRoute(_ route: Route) throws {
        try perform(routeRequest(type: RTM_DELROUTE, flags: 0, route: route,
                                 operation: "remove route \(route)"))
    }

    /// The routes of `family`, in `table` (nil: every table), owned by
    /// `protocolID` (nil: any owner). Cached clones are left out.
    public func routes(family: AddressFamily = .unspecified, table: UInt32? = RouteTable.main,
                       protocolID: UInt8? = nil) throws -> [Route] {
        var header = rtmsg()
        header.rtm_family = family.rawValue
        let request = try NetlinkRequest(type: RTM_GETROUTE, flags: NLM_F_DUMP, header: header,
                                         operation: "list \(family) routes")
        var result: [Route] = []
        try perform(request) { message in
            guard let route = Route(message: message) else { return }
            if let table, route.table != table { return }
            if let protocolID, route.protocolID != protocolID { return }
            result.append(route)
        }
        return result
    }

    private func routeRequest(type: Int, flags: Int32, route: Route,
                              operation: String) throws -> NetlinkRequest {
        let isDelete = type == RTM_DELROUTE
        var header = rtmsg()
        header.rtm_family = route.family.rawValue
        header.rtm_dst_len = UInt8(route.destination.length)
        header.rtm_table = UInt8(truncatingIfNeeded: route.table <= RouteTable.largestInHeader ? route.table : 0)
        header.rtm_protocol = route.protocolID
        header.rtm_scope = (isDelete ? route.scope ?? .nowhere : route.effectiveScope).rawValue
        header.rtm_type = route.type.rawValue
        let request = try NetlinkRequest(type: type, flags: flags, header: header, operation: operation)
        try request.put(RouteAttribute.table, u32: route.table)
        if route.destination.length > 0 {
            try request.put(RouteAttribute.destination, address: route.destination.network.address)
        }
        if let gateway = route.gateway { try request.put(RouteAttribute.gateway, address: gateway) }
        if let index = route.outputLinkIndex {
            try request.put(RouteAttribute.outputLink, u32: UInt32(bitPattern: index))
        }
        if let source = route.preferredSource { try request.put(RouteAttribute.preferredSource, address: source) }
        if let metric = route.metric { try request.put(RouteAttribute.priority, u32: metric) }
        return request
    }
}

/// RTA_* attribute numbers used in route messages and route lookups.
enum RouteAttribute {
    static let destination = Int(RTA_DST.rawValue)
    static let source = Int(RTA_SRC.rawValue)
    static let inputLink = Int(RTA_IIF.rawValue)
    static let outputLink = Int(RTA_OIF.rawValue)
    static let gateway = Int(RTA_GATEWAY.rawValue)
    static let priority = Int(RTA_PRIORITY.rawValue)
    static let preferredSource = Int(RTA_PREFSRC.rawValue)
    static let table = Int(RTA_TABLE.rawValue)
    static let mark = Int(RTA_MARK.rawValue)
    /// rtm_flags bit of a cached clone rather than a FIB entry.
    static let clonedFlag = UInt32(RTM_F_CLONED)
    /// rtm_flags bit asking a lookup to report the table of the matching route.
    static let lookupTableFlag = UInt32(RTM_F_LOOKUP_TABLE)
}

extension Route {
    /// Reads an RTM_NEWROUTE message; nil for anything else, a malformed
    /// message, or a cached clone unless `acceptingClones` (lookup replies are clones).
    init?(message: UnsafeMutablePointer<nlmsghdr>, acceptingClones: Bool = false) {
        guard Int(message.pointee.nlmsg_type) == RTM_NEWROUTE,
              let header = familyHeader(message, as: rtmsg.self),
              acceptingClones || header.rtm_flags & RouteAttribute.clonedFlag == 0,
              let family = AddressFamily(rawValue: header.rtm_family), family != .unspecified
        else { return nil }
        let attributes = NetlinkAttributes(message: message, headerLength: MemoryLayout<rtmsg>.size)
        let zero: IPAddress = family == .ipv4 ? .v4(IPv4Address(0)) : .v6(IPv6Address(high: 0, low: 0))
        let destination = attributes.address(RouteAttribute.destination) ?? zero
        guard destination.family == family, Int(header.rtm_dst_len) <= destination.bitWidth else { return nil }
        self.init(destination: IPPrefix(address: destination, length: Int(header.rtm_dst_len)),
                  table: attributes.u32(RouteAttribute.table) ?? UInt32(header.rtm_table),
                  gateway: attributes.address(RouteAttribute.gateway),
                  outputLinkIndex: attributes.u32(RouteAttribute.outputLink).map { Int32(bitPattern: $0) },
                  preferredSource: attributes.address(RouteAttribute.preferredSource),
                  metric: attributes.u32(RouteAttribute.priority),
                  scope: RouteScope(rawValue: header.rtm_scope),
                  protocolID: header.rtm_protocol,
                  type: RouteType(rawValue: header.rtm_type) ?? .unspecified)
    }
}
