// Fragment records: which mapping the fragments of a datagram belong to.
//
// The first fragment carries the ports and is translated like any packet; it leaves a
// record here so the later fragments, which carry no transport header, get the same
// address translation. Records live a fixed time from their creation and are never
// refreshed, so the ring of records is also in expiry order: collection pops from the
// oldest end, O(expired). When the ring is full the oldest record is forgotten.
// One table per direction. Fragments that arrive before their first fragment find no
// record and are dropped (the sender retransmits the datagram).
//
// Per-client bound: a client (the mapping's, in either direction) holds at most
// `perClient` records; a first fragment beyond that is refused, so one client sending
// fragments fast cannot push everyone else's records out of the ring.
//
// Translated IPv4 identifications (outbound table only): after the NAT every client's
// datagrams share the egress address, so two clients fragmenting to one remote with the
// same id would be reassembled together there. Each recorded IPv4 datagram gets an id
// of its own, unique among the live records to that remote and protocol; its later
// fragments get the same one, and ICMP errors quoting it are mapped back. IPv6 ids are
// 32 bits and chosen at random by senders, so they are left alone.
import Addresses

struct NATFragmentTable {
    private struct Record {
        var key: NATFragmentKey
        var mapping: NATMappingReference
        var client: ClientID
        /// The key as it leaves the NAT (egress source, new id); nil when the id is kept.
        var translatedKey: NATFragmentKey?
        var expiry: UInt64
    }

    /// A recorded datagram: its mapping and the IPv4 id its fragments leave with, if rewritten.
    struct Entry {
        var mapping: NATMappingReference
        var translatedID: UInt16?
    }

    /// Roughly how many clients to size the per-client counts for without growing.
    static let expectedClients = 256

    let lifetime: UInt64
    let perClient: Int
    private var index: [NATFragmentKey: Int]
    private var translatedIndex: [NATFragmentKey: Int]
    private var clientCounts: [ClientID: Int]
    private var ring: [Record?]
    private var oldest = 0
    private var nextID: UInt16 = 0
    private(set) var count = 0

    init(capacity: Int, perClient: Int, lifetime: UInt64) {
        self.lifetime = lifetime
        self.perClient = perClient
        ring = Array(repeating: nil, count: capacity)
        index = Dictionary(minimumCapacity: capacity)
        translatedIndex = Dictionary(minimumCapacity: capacity)
        clientCounts = Dictionary(minimumCapacity: Self.expectedClients)
    }

    /// Records the datagram of a first fragment for `client`'s mapping. With
    /// `translatedSource` (an IPv4 egress address) the datagram gets an identification of
    /// its own, returned for the caller to write. A first fragment seen again keeps its
    /// record (and id). Expired records are collected first, so any record found is live.
    mutating func record(_ key: NATFragmentKey, mapping: NATMappingReference, client: ClientID,
                         translatedSource: IPAddress? = nil, now: UInt64) throws(NATDropReason) -> Entry {
        collectGarbage(now: now)
        if let existing = index[key], var record = ring[existing] {
            if record.client != client {
                release(record.client)
                clientCounts[client, default: 0] += 1
                record.client = client
            }
            record.mapping = mapping
            ring[existing] = record
            return Entry(mapping: mapping, translatedID: record.translatedKey.map { UInt16($0.identification) })
        }
        guard clientCounts[client, default: 0] < perClient else { throw .fragmentLimit }
        if count == ring.count { dropOldest() }
        let slot = (oldest + count) % ring.count
        let translated = translatedSource.flatMap { key.source.isIPv4 ? freeTranslatedKey(key, source: $0) : nil }
        ring[slot] = Record(key: key, mapping: mapping, client: client, translatedKey: translated,
                            expiry: now + lifetime)
        index[key] = slot
        if let translated { translatedIndex[translated] = slot }
        clientCounts[client, default: 0] += 1
        count += 1
        return Entry(mapping: mapping, translatedID: translated.map { UInt16($0.identification) })
    }

    func lookup(_ key: NATFragmentKey, now: UInt64) -> Entry? {
        guard let slot = index[key], let record = ring[slot], record.expiry > now else { return nil }
        return Entry(mapping: record.mapping, translatedID: record.translatedKey.map { UInt16($0.identification) })
    }

    /// The datagram's original key from its translated one (for ICMP errors quoting it).
    func original(ofTranslated key: NATFragmentKey, now: UInt64) -> NATFragmentKey? {
        guard let slot = translatedIndex[key], let record = ring[slot], record.expiry > now else { return nil }
        return record.key
    }

    mutating func collectGarbage(now: UInt64) {
        while count > 0, let record = ring[oldest], record.expiry <= now { dropOldest() }
    }

    mutating func removeAll() {
        while count > 0 { dropOldest() }
    }

    /// The next identification after the last one given that no live record to the same
    /// remote and protocol uses. There are at most `ring.count` (< 65536) such records,
    /// so the search ends within that many steps.
    private mutating func freeTranslatedKey(_ key: NATFragmentKey, source: IPAddress) -> NATFragmentKey {
        var candidate = NATFragmentKey(source: source, destination: key.destination,
                                       transportProtocol: key.transportProtocol, identification: 0)
        repeat {
            nextID &+= 1
            candidate.identification = UInt32(nextID)
        } while translatedIndex[candidate] != nil
        return candidate
    }

    private mutating func dropOldest() {
        if let record = ring[oldest] {
            if index[record.key] == oldest { index[record.key] = nil }
            if let translated = record.translatedKey, translatedIndex[translated] == oldest {
                translatedIndex[translated] = nil
            }
            release(record.client)
        }
        ring[oldest] = nil
        oldest = (oldest + 1) % ring.count
        count -= 1
    }

    private mutating func release(_ client: ClientID) {
        let remaining = clientCounts[client, default: 1] - 1
        clientCounts[client] = remaining > 0 ? remaining : nil
    }
}
