// What the server tells its NAT: where traffic leaves from, which ports it may use,
// and the limits that keep one client from exhausting them.
import Addresses

/// The NAT's settings. All have defaults but the egress IPv4 address.
public struct NATConfiguration: Sendable, Equatable {
    public static let defaultPortRange: ClosedRange<UInt16> = 61000...64999
    public static let defaultMaxMappingsPerClient = 4096
    /// Fragments of one datagram arrive within milliseconds; 30 s is generous.
    public static let defaultFragmentTimeout: UInt64 = 30 * NATTimeouts.nanosecondsPerSecond
    public static let defaultMaxFragmentRecords = 1024
    public static let defaultMaxRemotesPerMapping = 8
    /// Records each hold a distinct translated IPv4 fragment id; well under 65536
    /// leaves a free id always a few steps away.
    public static let maxFragmentRecordsLimit = 16384
    /// A client's fair share of a shared resource is this fraction of it...
    public static let fairShareDivisor = 4
    /// ...but never fewer than this many, so small pools stay usable by one busy client.
    public static let fairShareMinimum = 64

    /// What one client may hold of a resource of `capacity`: a quarter, at least 64.
    /// Above 64 no client can take it all; at 4000 ports that is 1000 per protocol.
    public static func fairShare(of capacity: Int) -> Int {
        Swift.min(capacity, Swift.max(fairShareMinimum, capacity / fairShareDivisor))
    }

    /// Source address of translated IPv4 traffic.
    public var egressIPv4: IPv4Address
    /// Source address of translated IPv6 traffic (NAT66); nil drops IPv6 from clients.
    public var egressIPv6: IPv6Address?
    /// External TCP and UDP ports (each protocol has the whole range).
    public var portRange: ClosedRange<UInt16>
    /// External ICMP echo identifiers.
    public var icmpIdentifierRange: ClosedRange<UInt16>
    public var timeouts: NATTimeouts
    /// Mappings one client may hold across all protocols and families.
    public var maxMappingsPerClient: Int
    /// External ports (or echo ids) one client may hold in one protocol and family's
    /// pool; nil is the pool's `fairShare`. The pools are shared, so without this one
    /// client opening many source ports leaves none for the others.
    public var maxPortsPerClient: Int?
    /// The MSS that TCP SYNs are lowered to (in both directions); nil leaves them alone.
    public var tcpMSSClamp: UInt16?
    public var fragmentTimeout: UInt64
    /// Fragment records kept per direction; the oldest is forgotten when full.
    public var maxFragmentRecords: Int
    /// Fragment records one client may hold per direction (nil: `fairShare` of
    /// `maxFragmentRecords`), so one client's fragments cannot push out everyone's.
    public var maxFragmentRecordsPerClient: Int?
    /// Remote addresses remembered per mapping for address-dependent filtering.
    public var maxRemotesPerMapping: Int

    public init(egressIPv4: IPv4Address, egressIPv6: IPv6Address? = nil,
                portRange: ClosedRange<UInt16> = defaultPortRange,
                icmpIdentifierRange: ClosedRange<UInt16> = defaultPortRange,
                timeouts: NATTimeouts = .standard,
                maxMappingsPerClient: Int = defaultMaxMappingsPerClient,
                maxPortsPerClient: Int? = nil,
                tcpMSSClamp: UInt16? = nil,
                fragmentTimeout: UInt64 = defaultFragmentTimeout,
                maxFragmentRecords: Int = defaultMaxFragmentRecords,
                maxFragmentRecordsPerClient: Int? = nil,
                maxRemotesPerMapping: Int = defaultMaxRemotesPerMapping) {
        self.egressIPv4 = egressIPv4
        self.egressIPv6 = egressIPv6
        self.portRange = portRange
        self.icmpIdentifierRange = icmpIdentifierRange
        self.timeouts = timeouts
        self.maxMappingsPerClient = maxMappingsPerClient
        self.maxPortsPerClient = maxPortsPerClient
        self.tcpMSSClamp = tcpMSSClamp
        self.fragmentTimeout = fragmentTimeout
        self.maxFragmentRecords = maxFragmentRecords
        self.maxFragmentRecordsPerClient = maxFragmentRecordsPerClient
        self.maxRemotesPerMapping = maxRemotesPerMapping
    }

    /// Throws on values the table cannot work with.
    public func validate() throws(NATConfigurationError) {
        if portRange.lowerBound == 0 { throw .rangeIncludesZero(field: "port range") }
        if icmpIdentifierRange.lowerBound == 0 { throw .rangeIncludesZero(field: "ICMP identifier range") }
        if maxMappingsPerClient < 1 { throw .nonPositive(field: "per-client mapping cap", value: maxMappingsPerClient) }
        if let cap = maxPortsPerClient, cap < 1 { throw .nonPositive(field: "per-client port share", value: cap) }
        if maxFragmentRecords < 1 { throw .nonPositive(field: "fragment record limit", value: maxFragmentRecords) }
        if let cap = maxFragmentRecordsPerClient, cap < 1 {
            throw .nonPositive(field: "per-client fragment record limit", value: cap)
        }
        if maxRemotesPerMapping < 1 || maxRemotesPerMapping > Int(UInt8.max) {
            throw .nonPositive(field: "remotes per mapping (1-255)", value: maxRemotesPerMapping)
        }
        if maxFragmentRecords > Self.maxFragmentRecordsLimit {
            throw .tooLarge(field: "fragment record limit", value: maxFragmentRecords, maximum: Self.maxFragmentRecordsLimit)
        }
        if fragmentTimeout == 0 || timeouts.all.contains(0) { throw .zeroTimeout }
    }
}

extension NATConfiguration {
    /// The per-client port share in effect for a pool of `capacity` ports.
    func portShare(ofPool capacity: Int) -> Int { maxPortsPerClient ?? Self.fairShare(of: capacity) }

    var fragmentRecordsPerClient: Int { maxFragmentRecordsPerClient ?? Self.fairShare(of: maxFragmentRecords) }
}
