// The NAT's counters, for the status display and for tests.

/// A copy of the table's counters at one moment.
public struct NATStatistics: Sendable, Equatable {
    public var tcpMappings = 0
    public var udpMappings = 0
    public var icmpMappings = 0
    /// External ports and identifiers taken, over every protocol and family.
    public var portsInUse = 0
    /// Size of the port range (each protocol and family has one such range).
    public var portRangeSize = 0
    /// Size of the ICMP identifier range.
    public var icmpIdentifierRangeSize = 0
    /// Live fragment records, both directions.
    public var fragmentRecords = 0
    public var translatedOutbound: UInt64 = 0
    public var translatedInbound: UInt64 = 0
    public var drops = NATDropCounts()
    /// Ports taken and pool sizes per protocol, both families summed (IPv6 pools count
    /// only with an IPv6 egress address), indexed by NATProtocol.rawValue.
    var protocolPortsInUse = SIMD4<Int>()
    var protocolPortCapacity = SIMD4<Int>()

    public init() {}

    public var mappings: Int { tcpMappings + udpMappings + icmpMappings }

    public func mappings(of proto: NATProtocol) -> Int {
        switch proto {
        case .tcp: return tcpMappings
        case .udp: return udpMappings
        case .icmp: return icmpMappings
        }
    }

    /// External ports (echo identifiers for ICMP) of `proto` taken.
    public func portsInUse(of proto: NATProtocol) -> Int { protocolPortsInUse[proto.rawValue] }

    /// How many external ports (or identifiers) `proto` has, over the families in use:
    /// the honest denominator for `portsInUse(of:)`.
    public func portCapacity(of proto: NATProtocol) -> Int { protocolPortCapacity[proto.rawValue] }

    /// Sum of every pool's size, the denominator for `portsInUse`.
    public var portCapacity: Int { protocolPortCapacity.wrappedSum() }

    mutating func adjustMappings(of proto: NATProtocol, by delta: Int) {
        switch proto {
        case .tcp: tcpMappings += delta
        case .udp: udpMappings += delta
        case .icmp: icmpMappings += delta
        }
    }
}
