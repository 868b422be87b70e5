import Addresses
import CNetlink

/// Interface addresses: add, remove, list.
extension NetlinkSocket {
    /// Adds `prefix` (address with host bits, and prefix length) to a link.
    /// IPv6 addresses skip duplicate address detection, so they work at once.
    public func addAddress(_ prefix: IPPrefix, to link: LinkSelector) throws {
        let operation = "add address \(prefix) to link \(link)"
        let index = try resolve(link, for: operation)
        let request = try addressRequest(type: RTM_NEWADDR, flags: NLM_F_CREATE | NLM_F_EXCL,
                                         prefix: prefix, index: index, operation: operation)
        try perform(request)
    }

    public func removeAddress(_ prefix: IPPrefix, from link: LinkSelector) throws {
        let operation = "remove address \(prefix) from link \(link)"
        let index = try resolve(link, for: operation)
        let request = try addressRequest(type: RTM_DELADDR, flags: 0,
                                         prefix: prefix, index: index, operation: operation)
        try perform(request)
    }

    /// The addresses of one link, or of all links when `link` is nil.
    public func addresses(of link: LinkSelector? = nil,
                          family: AddressFamily = .unspecified) throws -> [InterfaceAddress] {
        let operation = "list addresses" + (link.map { " of link \($0)" } ?? "")
        let index = try link.map { try resolve($0, for: operation) }
        var header = ifaddrmsg()
        header.ifa_family = family.rawValue
        let request = try NetlinkRequest(type: RTM_GETADDR, flags: NLM_F_DUMP, header: header,
                                         operation: operation)
        var result: [InterfaceAddress] = []
        try perform(request) { message in
            guard let address = InterfaceAddress(message: message) else { return }
            if index == nil || address.linkIndex == index { result.append(address) }
        }
        return result
    }

    /// A link's index; a missing link throws an error naming `operation`.
    func resolve(_ link: LinkSelector, for operation: String) throws -> Int32 {
        if case .index(let index) = link { return index }
        do {
            return try self.link(link).index
        } catch let error as NetlinkError {
            throw NetlinkError(operation: operation, code: error.code, errno: error.errno)
        }
    }

    private func addressRequest(type: Int, flags: Int32, prefix: IPPrefix, index: Int32,
                                operation: String) throws -> NetlinkRequest {
        var header = ifaddrmsg()
        header.ifa_family = prefix.address.family.rawValue
        header.ifa_prefixlen = UInt8(prefix.length)
        header.ifa_index = UInt32(bitPattern: index)
        let noDAD = prefix.address.isIPv4 ? 0 : UInt32(IFA_F_NODAD)
        header.ifa_flags = UInt8(noDAD)
        let request = try NetlinkRequest(type: type, flags: flags, header: header, operation: operation)
        try request.put(IFA_LOCAL, address: prefix.address)
        try request.put(IFA_ADDRESS, address: prefix.address)
        if type == RTM_NEWADDR { try request.put(IFA_FLAGS, u32: noDAD) }
        return request
    }
}

extension InterfaceAddress {
    /// Reads an RTM_NEWADDR message; nil for anything else or a malformed one.
    init?(message: UnsafeMutablePointer<nlmsghdr>) {
        guard Int(message.pointee.nlmsg_type) == RTM_NEWADDR,
              let header = familyHeader(message, as: ifaddrmsg.self) else { return nil }
        let attributes = NetlinkAttributes(message: message, headerLength: MemoryLayout<ifaddrmsg>.size)
        guard let address = attributes.address(IFA_LOCAL) ?? attributes.address(IFA_ADDRESS),
              Int(header.ifa_prefixlen) <= address.bitWidth else { return nil }
        self.init(prefix: IPPrefix(address: address, length: Int(header.ifa_prefixlen)),
                  linkIndex: Int32(bitPattern: header.ifa_index),
                  flags: attributes.u32(IFA_FLAGS) ?? UInt32(header.ifa_flags),
                  scope: header.ifa_scope)
    }
}
