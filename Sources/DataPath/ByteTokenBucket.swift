// A peer's rate cap in one direction (`peer set --rate`): a token bucket counted in bits,
// filled at `bitsPerSecond` from a monotonic clock in nanoseconds that the caller passes
// in. A packet passes when the bucket holds its size and is dropped otherwise: a policer,
// not a queue, so it holds no packets and costs a multiplication and a division per packet.
//
// Named apart from WireGuard's TokenBucket (whole messages, a budget of handshakes), which
// modules that import both would otherwise confuse.
//
// Ownership: the router lane that carries the peer's packets in that direction.
public struct ByteTokenBucket: Sendable {
    static let nanosecondsPerSecond: UInt64 = 1_000_000_000
    static let bitsPerByte: UInt64 = 8
    /// Why 200 ms: a policer drops what a shaper would queue. When the bucket runs dry
    /// every packet is dropped, retransmissions too, so a TCP sender soon falls back to a
    /// retransmission timeout: at least 200 ms on Linux (TCP_RTO_MIN), on a fast path
    /// nearly always exactly that. A bucket that holds one such timeout's worth at the cap
    /// banks the tokens the pause earns and pays them out after it, so the long-run rate
    /// stays at the cap. Measured (PeerLimitsSystemTests, 20mbit, iperf3 -t 5 through
    /// wireguard-go, 0.5 ms round trip): a 50 ms burst gave 6.3 / 6.6 Mbit/s up / down, the
    /// sawtooth the issue warns of; 200 ms gave 18.8 / 19.0-19.5; 250 ms 20.1 / 19.6, past
    /// the cap over 5 s because the full bucket at the start counts too.
    static let burstDuration: UInt64 = 200_000_000
    /// The floor, for low rates: one 64 KB GSO super-packet must always fit, or a router
    /// that admits super-packets whole would never pass one; it also holds a TCP initial
    /// window (10 segments) several times over.
    public static let minimumBurstBytes: UInt64 = 65_536
    /// 64 PiB, far past any real burst: keeps every sum in refill() within 64 bits.
    public static let maximumBurstBytes: UInt64 = 1 << 56

    /// burst = max(rate x 200 ms, 64 KB), in bytes. A 20 Mbit/s cap gets 500 000 bytes.
    public static func defaultBurstBytes(bitsPerSecond: UInt64) -> UInt64 {
        let product = bitsPerSecond.multipliedFullWidth(by: burstDuration)
        let bytes = (nanosecondsPerSecond * bitsPerByte).dividingFullWidth(product).quotient
        return min(max(bytes, minimumBurstBytes), maximumBurstBytes)
    }

    public let bitsPerSecond: UInt64
    public let burstBytes: UInt64
    /// The bucket's size in bits.
    private let capacity: UInt64
    /// Nanoseconds an empty bucket takes to fill, rounded up; any longer gap just fills it.
    /// Bounding the gap this way keeps gap x rate within 128 bits and the quotient within 64,
    /// however long the peer was idle.
    private let fillTime: UInt64
    private var bits: UInt64
    /// Earned bit-nanoseconds short of a whole bit (< 1e9): carried so the long-run rate is
    /// exact however often the bucket is refilled.
    private var remainder: UInt64
    private var lastRefill: UInt64

    /// A full bucket at `now`. `burstBytes` defaults to defaultBurstBytes(bitsPerSecond:).
    public init(bitsPerSecond: UInt64, burstBytes: UInt64? = nil, now: UInt64) {
        precondition(bitsPerSecond > 0, "a rate cap of zero blocks everything: disable the peer instead")
        let burst = burstBytes ?? ByteTokenBucket.defaultBurstBytes(bitsPerSecond: bitsPerSecond)
        precondition(burst > 0 && burst <= ByteTokenBucket.maximumBurstBytes, "a burst of 1 byte to 64 PiB")
        self.bitsPerSecond = bitsPerSecond
        self.burstBytes = burst
        capacity = burst * ByteTokenBucket.bitsPerByte
        let scaled = capacity.multipliedFullWidth(by: ByteTokenBucket.nanosecondsPerSecond)
        if scaled.high >= bitsPerSecond {
            fillTime = .max  // centuries at a few bits a second: a gap never reaches it
        } else {
            let (fill, rest) = bitsPerSecond.dividingFullWidth(scaled)
            fillTime = rest == 0 || fill == .max ? fill : fill + 1
        }
        bits = capacity
        remainder = 0
        lastRefill = now
    }

    /// Takes `bytes` worth of tokens if the bucket holds them. A packet larger than the
    /// whole burst passes only from a full bucket and empties it, so it is delayed, not
    /// blocked forever.
    public mutating func admit(bytes: Int, now: UInt64) -> Bool {
        refill(now: now)
        let cost = UInt64(truncatingIfNeeded: max(bytes, 0)).multipliedReportingOverflow(by: ByteTokenBucket.bitsPerByte)
        if cost.overflow || cost.partialValue > capacity {
            guard bits == capacity else { return false }
            bits = 0
            return true
        }
        guard bits >= cost.partialValue else { return false }
        bits -= cost.partialValue
        return true
    }

    /// Bits available at the last refill (for tests and status).
    public var availableBits: UInt64 { bits }

    private mutating func refill(now: UInt64) {
        guard now > lastRefill else { return }  // a clock that stood still or stepped back earns nothing
        let gap = now - lastRefill
        lastRefill = now
        guard gap < fillTime else {
            bits = capacity
            remainder = 0
            return
        }
        // gap < fillTime, so gap x rate + remainder < capacity x 1e9 + rate + 1e9, and the
        // quotient fits in 64 bits.
        var product = gap.multipliedFullWidth(by: bitsPerSecond)
        let (low, carry) = product.low.addingReportingOverflow(remainder)
        product = (product.high + (carry ? 1 : 0), low)
        let (earned, rest) = ByteTokenBucket.nanosecondsPerSecond.dividingFullWidth(product)
        if earned >= capacity - bits {
            bits = capacity
            remainder = 0
        } else {
            bits += earned
            remainder = rest
        }
    }
}
