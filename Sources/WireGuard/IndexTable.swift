// Receiver indices: random 32-bit values, unique among live handshakes and keypairs, that
// lead an incoming message to its owner. Random so that indices reveal nothing (no counter
// an observer could follow).
public struct IndexTable<Owner> {
    private var entries: [UInt32: Owner] = [:]

    public init() {}

    public var count: Int { entries.count }

    /// Registers `owner` under a fresh random index and returns it. Zero is never used, so
    /// it can mean "no index".
    public mutating func insert(_ owner: Owner, random: () -> UInt32 = SecureRandom.uint32) -> UInt32 {
        while true {
            let index = random()
            if index != 0 && entries[index] == nil {
                entries[index] = owner
                return index
            }
        }
    }

    /// Re-points an existing index (a handshake's index becomes its keypair's).
    @discardableResult
    public mutating func replace(_ index: UInt32, with owner: Owner) -> Bool {
        guard entries[index] != nil else { return false }
        entries[index] = owner
        return true
    }

    @discardableResult
    public mutating func remove(_ index: UInt32) -> Owner? {
        entries.removeValue(forKey: index)
    }

    public func lookup(_ index: UInt32) -> Owner? {
        entries[index]
    }
}
