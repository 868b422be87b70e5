// When to look at each mapping again: a hashed timer wheel with lazy re-checks.
//
// A mapping is scheduled once when created, in the bucket of its expiry tick. Traffic
// refreshes only the mapping's own expiry field, never the wheel, so the per-packet
// path does not touch it. When a bucket comes due, its entries go back to the table,
// which frees the expired mappings and reschedules the others at their current expiry.
// A refresh that brings the expiry earlier (a TCP FIN shortens the timeout) schedules
// a new entry; each entry carries the mapping's stamp, so the superseded one is skipped.
// Cost per collection: the buckets passed (at most `bucketCount`) plus the entries in
// them; each live mapping is seen about once per timeout (or once per wheel turn if its
// timeout is longer than the wheel), so a collection every second is cheap however
// many mappings there are. Entries of freed slots are skipped by their generation.
// Buckets keep their capacity, so steady state allocates nothing.

struct NATExpiryWheel {
    /// A scheduled look at a mapping slot, valid while generation and stamp still match.
    struct Entry {
        var slot: Int32
        var generation: UInt32
        var stamp: UInt32
    }

    static let defaultTickLength: UInt64 = 1_000_000_000
    static let defaultBucketCount = 1024

    let tickLength: UInt64
    private var buckets: [[Entry]]
    /// Every tick up to this one has been handed out; nil before the first use.
    private var lastTick: UInt64?
    private var scratch: [Entry] = []

    init(tickLength: UInt64 = defaultTickLength, bucketCount: Int = defaultBucketCount) {
        self.tickLength = tickLength
        buckets = Array(repeating: [], count: bucketCount)
    }

    private var bucketCount: UInt64 { UInt64(buckets.count) }

    /// Puts `entry` in the bucket of `expiry`'s tick (the next unprocessed one if that has passed).
    mutating func schedule(_ entry: Entry, at expiry: UInt64, now: UInt64) {
        let current = lastTick ?? (now / tickLength)
        if lastTick == nil { lastTick = current }
        let tick = Swift.max(expiry / tickLength, current + 1)
        buckets[Int(tick % bucketCount)].append(entry)
    }

    /// Moves every entry of the ticks up to `now`'s into `due` (appending; the caller
    /// keeps that array's capacity). The caller re-checks each one.
    mutating func collectDue(upTo now: UInt64, into due: inout [Entry]) {
        let target = now / tickLength
        guard let last = lastTick else { lastTick = target; return }
        guard target > last else { return }
        let first = target - last >= bucketCount ? target - bucketCount + 1 : last + 1
        var tick = first
        while tick <= target {
            let index = Int(tick % bucketCount)
            swap(&scratch, &buckets[index])
            due.append(contentsOf: scratch)
            scratch.removeAll(keepingCapacity: true)
            tick += 1
        }
        lastTick = target
    }

    /// Forgets every entry (the table was cleared).
    mutating func removeAll() {
        for i in buckets.indices { buckets[i].removeAll(keepingCapacity: true) }
    }
}
