// The client addresses one of the server's subnets can hand out, and the first one no
// peer holds yet. Addresses are numbered by their offset from the subnet's network
// address, so the search is integer arithmetic over sorted ranges, not a scan.
import Addresses

struct TunnelAddressPool {
    /// IPv6 subnets wider than a /64 are used only in their first /64: far more clients
    /// than one server holds, and it keeps offsets in 64 bits.
    static let maxHostBits = 64

    /// Host bits cleared; narrowed to its first /64 when wider.
    let network: IPPrefix
    let hostBits: Int

    init(subnet: IPPrefix) {
        let whole = subnet.network
        let width = whole.address.bitWidth
        hostBits = min(width - whole.length, TunnelAddressPool.maxHostBits)
        network = IPPrefix(address: whole.address, length: width - hostBits)
    }

    private var isIPv4: Bool { network.address.isIPv4 }

    private var lastOffset: UInt64 { hostBits == 64 ? .max : (1 << UInt64(hostBits)) - 1 }

    /// Offsets a client may take: never the network address (offset 0), and for IPv4 not
    /// the broadcast address either. Nil when the subnet has no room (/31, /32, /128).
    var usable: ClosedRange<UInt64>? {
        if isIPv4 {
            return hostBits >= 2 ? 1...(lastOffset - 1) : nil
        }
        return hostBits >= 1 ? 1...lastOffset : nil
    }

    func address(at offset: UInt64) -> IPAddress {
        switch network.address {
        case .v4(let base): return .v4(IPv4Address(base.value + UInt32(truncatingIfNeeded: offset)))
        case .v6(let base): return .v6(IPv6Address(high: base.high, low: base.low + offset))
        }
    }

    /// The lowest usable address inside none of `taken`; nil when the subnet is full.
    func firstFree(avoiding taken: [IPPrefix]) -> IPAddress? {
        guard let usable = usable else { return nil }
        let blocked = taken.compactMap(offsets(blockedBy:)).sorted { $0.lowerBound < $1.lowerBound }
        var candidate = usable.lowerBound
        for range in blocked {
            if range.upperBound < candidate { continue }
            if range.lowerBound > candidate { break }
            guard range.upperBound < usable.upperBound else { return nil }
            candidate = range.upperBound + 1
        }
        return candidate <= usable.upperBound ? address(at: candidate) : nil
    }

    /// The offsets `prefix` covers inside this pool, or nil when they do not meet.
    func offsets(blockedBy prefix: IPPrefix) -> ClosedRange<UInt64>? {
        guard prefix.address.isIPv4 == isIPv4 else { return nil }
        if prefix.length <= network.length {
            return prefix.contains(network.address) ? 0...lastOffset : nil
        }
        guard network.contains(prefix.address) else { return nil }
        // Shorter than the pool's host part, so the shift stays below 64.
        let span = UInt64(prefix.address.bitWidth - prefix.length)
        let start = offset(of: prefix.network.address)
        return start...(start + ((1 << span) - 1))
    }

    /// For an address inside the pool.
    private func offset(of address: IPAddress) -> UInt64 {
        switch (address, network.address) {
        case (.v4(let a), .v4(let base)): return UInt64(a.value &- base.value)
        case (.v6(let a), .v6(let base)): return a.low &- base.low
        default: return 0
        }
    }
}
