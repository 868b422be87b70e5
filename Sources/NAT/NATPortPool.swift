// External ports (or echo identifiers) of one protocol and family.
//
// Allocation: an owner array indexed by port - lowerBound (-1 when free) doubles as
// the bitmap and as the inbound lookup, so an inbound packet finds its mapping with one
// array read, no hashing. A rotating cursor hands out the next free port after the last
// one given, so a freed port is reused last (old packets of a dead flow rarely reach a
// new one). With the pool not nearly full this is O(1) amortised; a full pool is known
// from the count at once, and a nearly full one costs at most one pass over the range.
// The sequence is predictable (no randomisation as RFC 6056 suggests): the pure module
// has no random source; the caller may start the cursor anywhere with `startCursor`.

struct NATPortPool {
    static let free: Int32 = -1

    let range: ClosedRange<UInt16>
    private var owners: [Int32]
    private var cursor = 0
    private(set) var inUse = 0

    init(range: ClosedRange<UInt16>) {
        self.range = range
        owners = Array(repeating: Self.free, count: range.count)
    }

    var capacity: Int { owners.count }

    /// The mapping slot that holds `port`, if any.
    func owner(of port: UInt16) -> Int32? {
        guard range.contains(port) else { return nil }
        let owner = owners[Int(port - range.lowerBound)]
        return owner == Self.free ? nil : owner
    }

    /// Takes `preferred` if it lies in the range and is free (port preservation),
    /// otherwise the next free port after the cursor; nil when the pool is full.
    mutating func allocate(preferred: UInt16, owner: Int32) -> UInt16? {
        guard inUse < owners.count else { return nil }
        if range.contains(preferred), owners[Int(preferred - range.lowerBound)] == Self.free {
            return take(Int(preferred - range.lowerBound), owner: owner)
        }
        var index = cursor
        while owners[index] != Self.free {
            index = index + 1 == owners.count ? 0 : index + 1
        }
        cursor = index + 1 == owners.count ? 0 : index + 1
        return take(index, owner: owner)
    }

    mutating func release(_ port: UInt16) {
        guard range.contains(port) else { return }
        let index = Int(port - range.lowerBound)
        guard owners[index] != Self.free else { return }
        owners[index] = Self.free
        inUse -= 1
    }

    mutating func startCursor(at offset: Int) {
        cursor = ((offset % owners.count) + owners.count) % owners.count
    }

    private mutating func take(_ index: Int, owner: Int32) -> UInt16 {
        owners[index] = owner
        inUse += 1
        return range.lowerBound + UInt16(index)
    }
}
