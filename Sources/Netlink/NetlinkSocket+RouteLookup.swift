import Addresses
import CNetlink

/// Route lookup: which route the kernel would pick for a destination.
extension NetlinkSocket {
    /// Asks the kernel which route reaches `destination`, like `ip route get`.
    /// `mark` selects rules by fwmark; `inputLink` (with `source`) simulates a
    /// packet arriving on that link instead of one sent from this host.
    public func lookupRoute(to destination: IPAddress, source: IPAddress? = nil, mark: UInt32? = nil,
                            inputLink: LinkSelector? = nil) throws -> RouteLookupResult {
        let operation = "look up route to \(destination)"
        var header = rtmsg()
        header.rtm_family = destination.family.rawValue
        header.rtm_dst_len = UInt8(destination.bitWidth)
        header.rtm_src_len = UInt8(source?.bitWidth ?? 0)
        header.rtm_flags = RouteAttribute.lookupTableFlag   // report the table that matched
        let request = try NetlinkRequest(type: RTM_GETROUTE, flags: 0, header: header, operation: operation)
        try request.put(RouteAttribute.destination, address: destination)
        if let source { try request.put(RouteAttribute.source, address: source) }
        if let mark { try request.put(RouteAttribute.mark, u32: mark) }
        if let inputLink {
            let index = try resolve(inputLink, for: operation)
            try request.put(RouteAttribute.inputLink, u32: UInt32(bitPattern: index))
        }
        var reply: Route?
        try perform(request) { reply = Route(message: $0, acceptingClones: true) ?? reply }
        guard let route = reply else { throw NetlinkError(operation: operation, code: NLE_OBJ_NOTFOUND) }
        let name = try route.outputLinkIndex.map { try link(.index($0)).name }
        return RouteLookupResult(destination: destination, type: route.type, table: route.table,
                                 linkIndex: route.outputLinkIndex, linkName: name,
                                 gateway: route.gateway, preferredSource: route.preferredSource)
    }
}
