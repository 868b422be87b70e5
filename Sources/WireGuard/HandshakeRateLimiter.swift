// Per-source rate limit for handshake messages while the device is under load (the
// kernel's ratelimiter.c): a source that holds a valid cookie proves only that it owns its
// address, so without this every initiation it sends would still cost a Diffie-Hellman.
// One token bucket per IPv4 address or IPv6 /64 (a host gets a whole /64, so counting
// per address would let it walk through 2^64 buckets). The table is bounded; when full,
// new sources are refused until garbage collection frees entries that are full again.
// Pure: time is passed in. Owned by the device's owner (the reactor's queue).
import Addresses

public struct HandshakeRateLimiter: Sendable {
    /// Handshake messages a second one source may have processed under load.
    public static let messagesPerSecond: UInt64 = 20
    /// How many it may send at once after a quiet spell.
    public static let burst: UInt64 = 5
    /// Sources tracked at once; beyond this, new sources are refused (as the kernel does).
    public static let defaultCapacity = 8192

    /// A bucket key: the IPv4 address, or the IPv6 /64 with a bit that keeps it apart.
    private struct SourceKey: Hashable, Sendable {
        let isIPv4: Bool
        let bits: UInt64
    }

    private var buckets: [SourceKey: TokenBucket] = [:]
    public let capacity: Int

    public init(capacity: Int = HandshakeRateLimiter.defaultCapacity) {
        self.capacity = capacity
        buckets.reserveCapacity(min(capacity, 1024))
    }

    /// Whether a handshake message from `source` may be processed now.
    public mutating func allow(_ source: IPAddress, now: UInt64) -> Bool {
        let key = HandshakeRateLimiter.key(source)
        if var bucket = buckets[key] {
            let allowed = bucket.take(now: now)
            buckets[key] = bucket
            return allowed
        }
        guard buckets.count < capacity else { return false }
        var bucket = TokenBucket(perSecond: HandshakeRateLimiter.messagesPerSecond,
                                 burst: HandshakeRateLimiter.burst, now: now)
        let allowed = bucket.take(now: now)
        buckets[key] = bucket
        return allowed
    }

    /// Forgets sources whose bucket has filled up again: they are as if never seen.
    public mutating func collectGarbage(now: UInt64) {
        guard !buckets.isEmpty else { return }
        buckets = buckets.filter { !$0.value.isFull(now: now) }
    }

    public var trackedSources: Int { buckets.count }

    private static func key(_ address: IPAddress) -> SourceKey {
        switch address {
        case .v4(let a): return SourceKey(isIPv4: true, bits: UInt64(a.value))
        case .v6(let a):
            // An IPv4-mapped address (a dual-stack socket's view of IPv4) is IPv4.
            if a.high == 0 && a.low >> 32 == 0xffff { return SourceKey(isIPv4: true, bits: a.low & 0xffff_ffff) }
            return SourceKey(isIPv4: false, bits: a.high)
        }
    }
}
