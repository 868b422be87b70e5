// The counter names of one answer, made into Strings once. Every peer of a 10,000-peer
// answer carries the same twenty-odd counters in the same order, so the name at a
// position is checked against the one the previous peer had there (a byte compare) and
// shared when it matches: one String per distinct name, not 290,000 (most are longer than
// fits a String inline, so each was an allocation, and later a release).
struct UAPICounterNames {
    /// Names by their position among a peer's (or the device's) counters.
    private var byPosition: [String] = []

    /// The name spelled by `bytes`, the `position`-th counter of its peer.
    mutating func name(_ bytes: UnsafeRawBufferPointer, position: Int) -> String {
        if position < byPosition.count {
            var known = byPosition[position]
            let same = known.withUTF8 { UnsafeRawBufferPointer($0).elementsEqual(bytes) }
            if same { return known }
        }
        let name = String(decoding: bytes, as: UTF8.self)
        if position < byPosition.count {
            byPosition[position] = name
        } else if position == byPosition.count {
            byPosition.append(name)
        }
        return name
    }
}
