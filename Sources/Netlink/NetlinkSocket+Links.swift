import CNetlink

/// Links: look up, list, bring up/down, set MTU, delete.
extension NetlinkSocket {
    /// The link named or numbered by `selector`; throws (isNotFound) when absent.
    public func link(_ selector: LinkSelector) throws -> Link {
        let request = try linkRequest(type: RTM_GETLINK, flags: 0, selector: selector,
                                      operation: "find link \(selector)")
        var found: Link?
        try perform(request) { found = Link(message: $0) ?? found }
        guard let found else {
            throw NetlinkError(operation: request.operation, code: NLE_OBJ_NOTFOUND)
        }
        return found
    }

    /// Every link in this socket's namespace.
    public func links() throws -> [Link] {
        let request = try NetlinkRequest(type: RTM_GETLINK, flags: NLM_F_DUMP, header: ifinfomsg(),
                                         operation: "list links")
        var result: [Link] = []
        try perform(request) { if let link = Link(message: $0) { result.append(link) } }
        return result
    }

    /// Sets the link administratively up or down.
    public func setLink(_ selector: LinkSelector, up: Bool) throws {
        var header = ifinfomsg()
        header.ifi_flags = up ? Link.upFlag : 0
        header.ifi_change = Link.upFlag
        let request = try linkRequest(type: RTM_NEWLINK, flags: 0, selector: selector, header: header,
                                      operation: "set link \(selector) \(up ? "up" : "down")")
        try perform(request)
    }

    public func setMTU(_ selector: LinkSelector, _ mtu: UInt32) throws {
        let request = try linkRequest(type: RTM_NEWLINK, flags: 0, selector: selector,
                                      operation: "set link \(selector) mtu \(mtu)")
        try request.put(IFLA_MTU, u32: mtu)
        try perform(request)
    }

    /// Deletes a link (a TUN, one end of a veth pair...).
    public func deleteLink(_ selector: LinkSelector) throws {
        let request = try linkRequest(type: RTM_DELLINK, flags: 0, selector: selector,
                                      operation: "delete link \(selector)")
        try perform(request)
    }

    private func linkRequest(type: Int, flags: Int32, selector: LinkSelector,
                             header: ifinfomsg = ifinfomsg(), operation: String) throws -> NetlinkRequest {
        var header = header
        if case .index(let index) = selector { header.ifi_index = index }
        let request = try NetlinkRequest(type: type, flags: flags, header: header, operation: operation)
        if case .name(let name) = selector { try request.put(IFLA_IFNAME, string: name) }
        return request
    }
}

extension Link {
    /// Reads an RTM_NEWLINK message; nil for anything else or a malformed one.
    init?(message: UnsafeMutablePointer<nlmsghdr>) {
        guard Int(message.pointee.nlmsg_type) == RTM_NEWLINK,
              let header = familyHeader(message, as: ifinfomsg.self) else { return nil }
        let attributes = NetlinkAttributes(message: message, headerLength: MemoryLayout<ifinfomsg>.size)
        guard let name = attributes.string(IFLA_IFNAME) else { return nil }
        self.init(index: header.ifi_index, name: name, mtu: attributes.u32(IFLA_MTU) ?? 0,
                  flags: header.ifi_flags)
    }
}
