import Addresses
import CNetlink

/// Policy rules: add, remove, list. Built with libnl core because libnl-route's
/// rule object has no setters for ipproto, port ranges, suppress_prefixlength
/// or the protocol id.
extension NetlinkSocket {
    /// Adds a rule; fails (isAlreadyExists) if an identical rule exists.
    public func addRule(_ rule: Rule) throws {
        try perform(ruleRequest(type: RTM_NEWRULE, flags: NLM_F_CREATE | NLM_F_EXCL, rule: rule,
                                operation: "add rule \(rule)"))
    }

    /// Removes the first rule matching every field set in `rule`.
    public func removeRule(_ rule: Rule) throws {
        try perform(ruleRequest(type: RTM_DELRULE, flags: 0, rule: rule,
                                operation: "remove rule \(rule)"))
    }

    /// The rules of `family` in priority order, optionally only those owned by `protocolID`.
    public func rules(family: AddressFamily, protocolID: UInt8? = nil) throws -> [Rule] {
        var header = fib_rule_hdr()
        header.family = family.rawValue
        let request = try NetlinkRequest(type: RTM_GETRULE, flags: NLM_F_DUMP, header: header,
                                         operation: "list \(family) rules")
        var result: [Rule] = []
        try perform(request) { message in
            guard let rule = Rule(message: message) else { return }
            if let protocolID, rule.protocolID != protocolID { return }
            result.append(rule)
        }
        return result
    }

    private func ruleRequest(type: Int, flags: Int32, rule: Rule, operation: String) throws -> NetlinkRequest {
        var header = fib_rule_hdr()
        header.family = rule.family.rawValue
        header.action = rule.action.code
        header.src_len = UInt8(rule.source?.length ?? 0)
        header.dst_len = UInt8(rule.destination?.length ?? 0)
        if rule.invert { header.flags |= RuleAttribute.invertFlag }
        if case .lookup(let table) = rule.action, table <= RouteTable.largestInHeader {
            header.table = UInt8(table)
        }
        let request = try NetlinkRequest(type: type, flags: flags, header: header, operation: operation)
        try putSelectors(of: rule, into: request)
        switch rule.action {
        case .lookup(let table): try request.put(RuleAttribute.table, u32: table)
        case .goto(let target): try request.put(RuleAttribute.goto, u32: target)
        default: break
        }
        if let length = rule.suppressPrefixLength { try request.put(RuleAttribute.suppressPrefixLength, u32: length) }
        if rule.protocolID != RouteProtocol.unspecified { try request.put(RuleAttribute.protocolID, u8: rule.protocolID) }
        return request
    }

    private func putSelectors(of rule: Rule, into request: NetlinkRequest) throws {
        if let priority = rule.priority { try request.put(RuleAttribute.priority, u32: priority) }
        if let source = rule.source { try request.put(RuleAttribute.source, address: source.network.address) }
        if let destination = rule.destination {
            try request.put(RuleAttribute.destination, address: destination.network.address)
        }
        if let mark = rule.mark {
            try request.put(RuleAttribute.mark, u32: mark.value)
            try request.put(RuleAttribute.markMask, u32: mark.mask)
        }
        if let name = rule.inputInterface { try request.put(RuleAttribute.inputInterface, string: name) }
        if let name = rule.outputInterface { try request.put(RuleAttribute.outputInterface, string: name) }
        if let proto = rule.ipProtocol { try request.put(RuleAttribute.ipProtocol, u8: proto) }
        if let ports = rule.sourcePorts { try request.put(RuleAttribute.sourcePorts, value: ports.kernelRange) }
        if let ports = rule.destinationPorts {
            try request.put(RuleAttribute.destinationPorts, value: ports.kernelRange)
        }
    }
}

/// FRA_* attribute numbers and fib_rule_hdr flags.
enum RuleAttribute {
    static let destination = Int(FRA_DST)
    static let source = Int(FRA_SRC)
    static let inputInterface = Int(FRA_IIFNAME)
    static let goto = Int(FRA_GOTO)
    static let priority = Int(FRA_PRIORITY)
    static let mark = Int(FRA_FWMARK)
    static let suppressPrefixLength = Int(FRA_SUPPRESS_PREFIXLEN)
    static let table = Int(FRA_TABLE)
    static let markMask = Int(FRA_FWMASK)
    static let outputInterface = Int(FRA_OIFNAME)
    static let protocolID = Int(FRA_PROTOCOL)
    static let ipProtocol = Int(FRA_IP_PROTO)
    static let sourcePorts = Int(FRA_SPORT_RANGE)
    static let destinationPorts = Int(FRA_DPORT_RANGE)
    static let invertFlag = UInt32(FIB_RULE_INVERT)
    /// Kernels report -1 (no suppression) explicitly.
    static let suppressPrefixLengthUnset = UInt32.max
}

extension ClosedRange where Bound == UInt16 {
    var kernelRange: fib_rule_port_range { fib_rule_port_range(start: lowerBound, end: upperBound) }
}

extension Rule {
    /// Reads an RTM_NEWRULE message; nil for anything else or a malformed one.
    init?(message: UnsafeMutablePointer<nlmsghdr>) {
        guard Int(message.pointee.nlmsg_type) == RTM_NEWRULE,
              let header = familyHeader(message, as: fib_rule_hdr.self),
              let family = AddressFamily(rawValue: header.family) else { return nil }
        let a = NetlinkAttributes(message: message, headerLength: MemoryLayout<fib_rule_hdr>.size)
        guard let action = Rule.action(header: header, attributes: a) else { return nil }
        self.init(family: family, priority: a.u32(RuleAttribute.priority) ?? 0, action: action)
        source = Rule.prefix(a.address(RuleAttribute.source), length: header.src_len)
        destination = Rule.prefix(a.address(RuleAttribute.destination), length: header.dst_len)
        if let value = a.u32(RuleAttribute.mark) {
            mark = FirewallMark(value, mask: a.u32(RuleAttribute.markMask) ?? .max)
        }
        inputInterface = a.string(RuleAttribute.inputInterface)
        outputInterface = a.string(RuleAttribute.outputInterface)
        ipProtocol = a.u8(RuleAttribute.ipProtocol)
        sourcePorts = Rule.ports(a.load(RuleAttribute.sourcePorts, as: fib_rule_port_range.self))
        destinationPorts = Rule.ports(a.load(RuleAttribute.destinationPorts, as: fib_rule_port_range.self))
        suppressPrefixLength = a.u32(RuleAttribute.suppressPrefixLength).flatMap {
            $0 == RuleAttribute.suppressPrefixLengthUnset ? nil : $0
        }
        invert = header.flags & RuleAttribute.invertFlag != 0
        protocolID = a.u8(RuleAttribute.protocolID) ?? RouteProtocol.unspecified
    }

    private static func action(header: fib_rule_hdr, attributes a: NetlinkAttributes) -> RuleAction? {
        switch header.action {
        case RuleAction.toTableCode: return .lookup(table: a.u32(RuleAttribute.table) ?? UInt32(header.table))
        case RuleAction.gotoCode: return .goto(priority: a.u32(RuleAttribute.goto) ?? 0)
        case RuleAction.nopCode: return .nop
        case RuleAction.blackholeCode: return .blackhole
        case RuleAction.unreachableCode: return .unreachable
        case RuleAction.prohibitCode: return .prohibit
        default: return nil
        }
    }

    private static func prefix(_ address: IPAddress?, length: UInt8) -> IPPrefix? {
        guard let address, Int(length) <= address.bitWidth else { return nil }
        return IPPrefix(address: address, length: Int(length))
    }

    private static func ports(_ range: fib_rule_port_range?) -> ClosedRange<UInt16>? {
        guard let range, range.start <= range.end else { return nil }
        return range.start...range.end
    }
}
