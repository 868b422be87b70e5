// Fragment records: which mapping the fragments of a datagram belong to.
//
// The first fragment carries the ports and is translated like any packet; it leaves a
// record here so the later fragments, which carry no transport header, get the same
// address translation. Records live a fixed time from their creation and are never
// refreshed, so the ring of records is also in expiry order: collection pops from the
// oldest end, O(expired). When the ring is full the oldest record is forgotten.
// One table per direction. Fragments that arrive before their first fragment find no
// record and are dropped (the sender retransmits the datagram).

struct NATFragmentTable {
    private struct Record {
        var key: NATFragmentKey
        var mapping: NATMappingReference
        var expiry: UInt64
    }

    let lifetime: UInt64
    private var index: [NATFragmentKey: Int]
    private var ring: [Record?]
    private var oldest = 0
    private(set) var count = 0

    init(capacity: Int, lifetime: UInt64) {
        self.lifetime = lifetime
        ring = Array(repeating: nil, count: capacity)
        index = Dictionary(minimumCapacity: capacity)
    }

    mutating func record(_ key: NATFragmentKey, mapping: NATMappingReference, now: UInt64) {
        if let existing = index[key] {
            ring[existing]?.mapping = mapping
            return
        }
        if count == ring.count { dropOldest() }
        let slot = (oldest + count) % ring.count
        ring[slot] = Record(key: key, mapping: mapping, expiry: now + lifetime)
        index[key] = slot
        count += 1
    }

    func lookup(_ key: NATFragmentKey, now: UInt64) -> NATMappingReference? {
        guard let slot = index[key], let record = ring[slot], record.expiry > now else { return nil }
        return record.mapping
    }

    mutating func collectGarbage(now: UInt64) {
        while count > 0, let record = ring[oldest], record.expiry <= now { dropOldest() }
    }

    mutating func removeAll() {
        while count > 0 { dropOldest() }
    }

    private mutating func dropOldest() {
        if let record = ring[oldest], index[record.key] == oldest { index[record.key] = nil }
        ring[oldest] = nil
        oldest = (oldest + 1) % ring.count
        count -= 1
    }
}
