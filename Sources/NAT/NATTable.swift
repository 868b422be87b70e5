// The NAT table: mappings, their external ports, and the counters.
//
// Storage: mappings live in a slab (an array of slots with a free list), found from the
// inside by a dictionary keyed by NATFlowKey (integers only: lookups hash and compare,
// never allocate) and from the outside by the port pools' owner arrays (one array read).
// Remote addresses for filtering sit in a flat array beside the slab. Creating a mapping
// may grow these; translating a packet of an existing mapping allocates nothing.
//
// Ownership: not thread-safe. One serial queue owns a table (the server's NAT queue)
// and makes every call on it.
import Addresses
import Packet

/// Translates packets between the server's clients and the internet (see the module header).
public final class NATTable {
    public let configuration: NATConfiguration
    let egressV4: IPAddress
    let egressV6: IPAddress?

    var slots: [NATMapping] = []
    var freeSlots: [Int32] = []
    var index: [NATFlowKey: Int32] = [:]
    /// Indexed by `poolIndex(isIPv4:transport:)`.
    var pools: [NATPortPool]
    var remotes: NATRemoteSets
    var wheel = NATExpiryWheel()
    var dueScratch: [NATExpiryWheel.Entry] = []
    /// What each client holds, for its per-client limits; entries go when they reach zero.
    var clientUsage: [ClientID: NATClientUsage] = [:]
    /// Each pool's per-client share (`NATConfiguration.portShare`), indexed like `pools`.
    let portShares: [Int]
    var outboundFragments: NATFragmentTable
    var inboundFragments: NATFragmentTable
    var counters = NATStatistics()
    /// The host's own addresses, kept current by the server: their subnets' broadcast
    /// addresses are refused like 255.255.255.255 (the kernel would deliver them locally).
    public var hostAddresses = HostAddresses([])

    public init(configuration: NATConfiguration) throws(NATConfigurationError) {
        try configuration.validate()
        self.configuration = configuration
        egressV4 = .v4(configuration.egressIPv4)
        egressV6 = configuration.egressIPv6.map { .v6($0) }
        var pools: [NATPortPool] = []
        for _ in 0..<2 {
            for transport in NATProtocol.allCases {
                pools.append(NATPortPool(range: transport == .icmp ? configuration.icmpIdentifierRange
                                                                      : configuration.portRange))
            }
        }
        self.pools = pools
        portShares = pools.map { configuration.portShare(ofPool: $0.capacity) }
        remotes = NATRemoteSets(perMapping: configuration.maxRemotesPerMapping)
        outboundFragments = NATFragmentTable(capacity: configuration.maxFragmentRecords,
                                             perClient: configuration.fragmentRecordsPerClient,
                                             lifetime: configuration.fragmentTimeout)
        inboundFragments = NATFragmentTable(capacity: configuration.maxFragmentRecords,
                                            perClient: configuration.fragmentRecordsPerClient,
                                            lifetime: configuration.fragmentTimeout)
        counters.portRangeSize = configuration.portRange.count
        counters.icmpIdentifierRangeSize = configuration.icmpIdentifierRange.count
    }

    /// The counters now (mapping counts, ports in use, translations, drops by reason).
    public var statistics: NATStatistics {
        var result = counters
        result.portsInUse = pools.reduce(0) { $0 + $1.inUse }
        for transport in NATProtocol.allCases {
            for isIPv4 in [true, false] where isIPv4 || egressV6 != nil {
                let pool = pools[Self.poolIndex(isIPv4: isIPv4, transport: transport)]
                result.protocolPortsInUse[transport.rawValue] += pool.inUse
                result.protocolPortCapacity[transport.rawValue] += pool.capacity
            }
        }
        result.fragmentRecords = outboundFragments.count + inboundFragments.count
        return result
    }

    /// Starts each pool's allocation cursor at `offset` into its range, so a restarted
    /// server does not hand out the same port sequence (pass a random number).
    public func startPortAllocation(at offset: Int) {
        for i in pools.indices { pools[i].startCursor(at: offset) }
    }

    // MARK: - Helpers shared by the translation paths

    func egressAddress(for version: IPVersion) -> IPAddress? {
        version == .v4 ? egressV4 : egressV6
    }

    static func poolIndex(isIPv4: Bool, transport: NATProtocol) -> Int {
        (isIPv4 ? 0 : NATProtocol.allCases.count) + transport.rawValue
    }

    /// The live mapping of `reference`, or nil if that slot was freed since.
    func slot(of reference: NATMappingReference) -> Int? {
        let slot = Int(reference.slot)
        guard slot < slots.count, slots[slot].isLive, slots[slot].generation == reference.generation else { return nil }
        return slot
    }

    func reference(to slot: Int) -> NATMappingReference {
        NATMappingReference(slot: Int32(slot), generation: slots[slot].generation)
    }

    /// Sets the mapping's idle deadline from its protocol and TCP state; an earlier one
    /// than the wheel knows gets a fresh wheel entry.
    func refresh(_ slot: Int, now: UInt64) {
        let mapping = slots[slot]
        let expiry = now + configuration.timeouts.timeout(for: mapping.transport, state: mapping.tcpState)
        slots[slot].expiry = expiry
        if expiry < mapping.scheduledExpiry { schedule(slot, at: expiry, now: now) }
    }

    func schedule(_ slot: Int, at expiry: UInt64, now: UInt64) {
        slots[slot].wheelStamp &+= 1
        slots[slot].scheduledExpiry = expiry
        let entry = NATExpiryWheel.Entry(slot: Int32(slot), generation: slots[slot].generation,
                                         stamp: slots[slot].wheelStamp)
        wheel.schedule(entry, at: expiry, now: now)
    }

    /// Runs a rewrite from Packet; a refusal (which the checks before it should rule out) drops the packet.
    @inline(__always)
    func rewrite(_ body: () throws(RewriteError) -> Void) throws(NATDropReason) {
        do { try body() } catch { throw .malformed }
    }

    static func isICMPError(_ packet: IPPacket) -> Bool {
        if let icmp = packet.icmpv4 { return icmp.isError }
        if let icmp = packet.icmpv6 { return icmp.isError }
        return false
    }

    /// Whether the packet is an ICMP/ICMPv6 echo message of the given direction.
    static func isEcho(_ packet: IPPacket, request: Bool) -> Bool {
        if let icmp = packet.icmpv4 { return icmp.type == (request ? ICMPv4Header.echoRequest : ICMPv4Header.echoReply) }
        if let icmp = packet.icmpv6 { return icmp.type == (request ? ICMPv6Header.echoRequest : ICMPv6Header.echoReply) }
        return false
    }

    func fragmentKey(_ packet: IPPacket) -> NATFragmentKey {
        NATFragmentKey(source: packet.source, destination: packet.destination,
                       transportProtocol: packet.transportProtocol, identification: packet.fragmentIdentification)
    }
}
