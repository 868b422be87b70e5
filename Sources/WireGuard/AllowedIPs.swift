// Cryptokey routing: which peer owns an inner address. Outbound, the destination picks
// the peer to encrypt to; inbound, a decrypted packet is dropped unless its source maps
// back to the peer it came from. One trie per family, longest prefix wins.
import Addresses

/// A longest-prefix-match table from IPv4/IPv6 prefixes to values (peers).
///
/// Inserting a prefix that is already present re-points it to the new value, as
/// WireGuard does when a second peer claims the same AllowedIPs entry. Host bits of
/// inserted prefixes are ignored. Lookups allocate nothing.
///
/// Each value also keeps the set of its own prefixes (as the kernel keeps a peer's list
/// of nodes), so listing or removing one peer's prefixes costs that peer's prefixes,
/// not a walk over every peer's: with thousands of peers, a reload or `wg show` that
/// did this per peer would be quadratic.
public struct AllowedIPs<Value: Hashable> {
    private var v4 = AllowedIPsTrie(maxLength: 32)
    private var v6 = AllowedIPsTrie(maxLength: 128)
    /// Values by slot; a trie node stores only the slot, so its hot loop is not generic.
    private var slots: [Value?] = []
    /// The prefixes (networks) each slot holds; a slot is free when its set is empty.
    private var slotPrefixes: [Set<IPPrefix>] = []
    private var slotOf: [Value: TrieSlot] = [:]
    private var freeSlots: [TrieSlot] = []

    public init() {}

    /// Number of prefixes stored, both families.
    public private(set) var count = 0
    public var isEmpty: Bool { count == 0 }

    // MARK: changes

    /// Maps `prefix` (host bits ignored) to `value`, replacing any earlier owner.
    public mutating func insert(_ prefix: IPPrefix, _ value: Value) {
        let slot = acquireSlot(for: value)
        let network = prefix.network
        let (high, low, length) = AllowedIPs.key(of: network)
        let old = network.address.isIPv4
            ? v4.insert(high: high, low: low, length: length, slot: slot)
            : v6.insert(high: high, low: low, length: length, slot: slot)
        guard old != slot else { return }
        slotPrefixes[Int(slot)].insert(network)
        if old == AllowedIPsTrie.noSlot {
            count += 1
        } else {
            release(network, from: old)
        }
    }

    /// Removes `prefix` (host bits ignored); returns the value it mapped to.
    @discardableResult
    public mutating func remove(_ prefix: IPPrefix) -> Value? {
        let network = prefix.network
        let (high, low, length) = AllowedIPs.key(of: network)
        let old = network.address.isIPv4
            ? v4.remove(high: high, low: low, length: length)
            : v6.remove(high: high, low: low, length: length)
        guard let slot = old else { return nil }
        let value = slots[Int(slot)]
        count -= 1
        release(network, from: slot)
        return value
    }

    /// Removes every prefix that maps to `value` (a peer being deleted or reconfigured),
    /// in time proportional to that value's prefixes.
    public mutating func removeAll(for value: Value) {
        guard let slot = slotOf[value] else { return }
        for prefix in slotPrefixes[Int(slot)] { remove(prefix) }
    }

    public mutating func removeAll() {
        self = AllowedIPs()
    }

    // MARK: queries

    /// The value of the longest prefix containing `address`.
    public func lookup(_ address: IPAddress) -> Value? {
        switch address {
        case .v4(let a): return lookup(ipv4: a.value)
        case .v6(let a): return lookup(ipv6High: a.high, low: a.low)
        }
    }

    /// IPv4 lookup by the numeric address (first octet in the top byte, as `IPv4Address.value`).
    public func lookup(ipv4 value: UInt32) -> Value? {
        stored(at: v4.lookup(high: UInt64(value) << 32, low: 0))
    }

    /// IPv6 lookup by the address as two numeric halves (as `IPv6Address.high`/`.low`).
    public func lookup(ipv6High high: UInt64, low: UInt64) -> Value? {
        stored(at: v6.lookup(high: high, low: low))
    }

    /// IPv4 lookup of four network-order bytes at `offset` (e.g. a header's address field).
    /// Returns nil if the buffer is too short.
    public func lookup(ipv4NetworkBytes buffer: UnsafeRawBufferPointer, at offset: Int) -> Value? {
        guard offset >= 0, offset <= buffer.count - 4 else { return nil }
        let raw = buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        return lookup(ipv4: UInt32(bigEndian: raw))
    }

    /// IPv6 lookup of sixteen network-order bytes at `offset`. Nil if the buffer is too short.
    public func lookup(ipv6NetworkBytes buffer: UnsafeRawBufferPointer, at offset: Int) -> Value? {
        guard offset >= 0, offset <= buffer.count - 16 else { return nil }
        let high = buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        let low = buffer.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)
        return lookup(ipv6High: UInt64(bigEndian: high), low: UInt64(bigEndian: low))
    }

    /// The prefixes mapping to `value`, as networks (host bits cleared), IPv4 first, sorted;
    /// in time proportional to that value's prefixes.
    public func prefixes(for value: Value) -> [IPPrefix] {
        guard let slot = slotOf[value] else { return [] }
        return slotPrefixes[Int(slot)].sorted(by: AllowedIPs.order)
    }

    /// The prefix mapped to exactly this network (host bits ignored), if any.
    public func value(exactly prefix: IPPrefix) -> Value? { exactValue(prefix.network) }

    /// Every prefix and its value, IPv4 first, sorted by address then length.
    public var entries: [(prefix: IPPrefix, value: Value)] {
        prefixes(where: { _ in true }).compactMap { prefix in
            exactValue(prefix).map { (prefix, $0) }
        }
    }

    /// Structural self-check of both tries, for tests.
    var isWellFormed: Bool { v4.isWellFormed() && v6.isWellFormed() }

    // MARK: private

    private func stored(at slot: TrieSlot) -> Value? {
        slot == AllowedIPsTrie.noSlot ? nil : slots[Int(slot)]
    }

    private func exactValue(_ prefix: IPPrefix) -> Value? {
        let (high, low, length) = AllowedIPs.key(of: prefix)
        let trie = prefix.address.isIPv4 ? v4 : v6
        guard let node = trie.find(high: high, low: low, length: length) else { return nil }
        return stored(at: trie.nodes[Int(node)].slot)
    }

    /// IPv4 before IPv6, then by address, then by length: the order `entries` lists.
    private static func order(_ a: IPPrefix, _ b: IPPrefix) -> Bool {
        switch (a.address, b.address) {
        case (.v4, .v6): return true
        case (.v6, .v4): return false
        case (.v4(let x), .v4(let y)): return (x.value, a.length) < (y.value, b.length)
        case (.v6(let x), .v6(let y)): return (x.high, x.low, a.length) < (y.high, y.low, b.length)
        }
    }

    private func prefixes(where keep: (TrieSlot) -> Bool) -> [IPPrefix] {
        let fours = v4.entries().filter { keep($0.slot) }
            .sorted { ($0.high, $0.length) < ($1.high, $1.length) }
            .map { IPPrefix(address: .v4(IPv4Address(UInt32($0.high >> 32))), length: $0.length) }
        let sixes = v6.entries().filter { keep($0.slot) }
            .sorted { ($0.high, $0.low, $0.length) < ($1.high, $1.low, $1.length) }
            .map { IPPrefix(address: .v6(IPv6Address(high: $0.high, low: $0.low)), length: $0.length) }
        return fours + sixes
    }

    /// A prefix as trie key: masked, IPv4 in the top 32 bits.
    private static func key(of prefix: IPPrefix) -> (UInt64, UInt64, Int) {
        let network = prefix.network
        switch network.address {
        case .v4(let a): return (UInt64(a.value) << 32, 0, network.length)
        case .v6(let a): return (a.high, a.low, network.length)
        }
    }

    /// The value's slot, made (with no prefixes yet) if it has none.
    private mutating func acquireSlot(for value: Value) -> TrieSlot {
        if let slot = slotOf[value] { return slot }
        let slot: TrieSlot
        if let reused = freeSlots.popLast() {
            slot = reused
            slots[Int(slot)] = value
        } else {
            slot = TrieSlot(slots.count)
            slots.append(value)
            slotPrefixes.append([])
        }
        slotOf[value] = slot
        return slot
    }

    /// `network` no longer belongs to `slot`; a slot left with none is freed.
    private mutating func release(_ network: IPPrefix, from slot: TrieSlot) {
        slotPrefixes[Int(slot)].remove(network)
        guard slotPrefixes[Int(slot)].isEmpty, let value = slots[Int(slot)] else { return }
        slotOf[value] = nil
        slots[Int(slot)] = nil
        freeSlots.append(slot)
    }
}

extension AllowedIPs: Sendable where Value: Sendable {}
