import Addresses

/// A policy routing rule, as `ip rule` shows it. Unset selectors match anything.
public struct Rule: Hashable, Sendable, CustomStringConvertible {
    public var family: AddressFamily
    /// nil when adding: the kernel picks one. Always set in listed rules.
    public var priority: UInt32?
    public var action: RuleAction
    public var source: IPPrefix?
    public var destination: IPPrefix?
    public var mark: FirewallMark?
    /// Input interface name ("lo" matches locally generated packets).
    public var inputInterface: String?
    public var outputInterface: String?
    /// IP protocol number (6 TCP, 17 UDP).
    public var ipProtocol: UInt8?
    public var sourcePorts: ClosedRange<UInt16>?
    public var destinationPorts: ClosedRange<UInt16>?
    /// Rejects a lookup result whose prefix is this long or shorter.
    public var suppressPrefixLength: UInt32?
    /// Matches what the selectors do NOT match ("not fwmark 0x1").
    public var invert: Bool
    /// Who owns the rule (FRA_PROTOCOL); 0 is unspecified.
    public var protocolID: UInt8

    public init(family: AddressFamily, priority: UInt32? = nil, action: RuleAction,
                source: IPPrefix? = nil, destination: IPPrefix? = nil, mark: FirewallMark? = nil,
                inputInterface: String? = nil, outputInterface: String? = nil,
                ipProtocol: UInt8? = nil, sourcePorts: ClosedRange<UInt16>? = nil,
                destinationPorts: ClosedRange<UInt16>? = nil, suppressPrefixLength: UInt32? = nil,
                invert: Bool = false, protocolID: UInt8 = RouteProtocol.unspecified) {
        self.family = family
        self.priority = priority
        self.action = action
        self.source = source
        self.destination = destination
        self.mark = mark
        self.inputInterface = inputInterface
        self.outputInterface = outputInterface
        self.ipProtocol = ipProtocol
        self.sourcePorts = sourcePorts
        self.destinationPorts = destinationPorts
        self.suppressPrefixLength = suppressPrefixLength
        self.invert = invert
        self.protocolID = protocolID
    }

    /// In `ip rule` syntax, for messages.
    public var description: String {
        var parts: [String] = [family.description]
        if let priority { parts.append("priority \(priority)") }
        if invert { parts.append("not") }
        if let source { parts.append("from \(source)") }
        if let destination { parts.append("to \(destination)") }
        if let mark { parts.append("fwmark \(mark)") }
        if let inputInterface { parts.append("iif \(inputInterface)") }
        if let outputInterface { parts.append("oif \(outputInterface)") }
        if let ipProtocol { parts.append("ipproto \(ipProtocol)") }
        if let p = sourcePorts { parts.append("sport \(p.lowerBound)-\(p.upperBound)") }
        if let p = destinationPorts { parts.append("dport \(p.lowerBound)-\(p.upperBound)") }
        parts.append(action.description)
        if let suppressPrefixLength { parts.append("suppress_prefixlength \(suppressPrefixLength)") }
        if protocolID != RouteProtocol.unspecified { parts.append("proto \(protocolID)") }
        return parts.joined(separator: " ")
    }
}
