// A token bucket over a monotonic clock passed in: `rate` tokens a second, at most `burst`
// saved up. Kept in nanoseconds of credit so refilling is one subtraction and no division
// by time; the per-source handshake limiter and the device's cookie-reply budget use it.
public struct TokenBucket: Sendable {
    /// Nanoseconds of credit one token costs.
    let costPerToken: UInt64
    /// The most credit the bucket holds.
    let capacity: UInt64
    private var credit: UInt64
    private var lastRefill: UInt64

    /// A full bucket at `now`.
    public init(perSecond rate: UInt64, burst: UInt64, now: UInt64) {
        precondition(rate > 0 && burst > 0, "a token bucket needs a rate and a burst")
        costPerToken = ProtocolConstants.nanosecondsPerSecond / rate
        capacity = costPerToken * burst
        credit = capacity
        lastRefill = now
    }

    /// Takes one token if there is one.
    public mutating func take(now: UInt64) -> Bool {
        if now > lastRefill {
            credit = min(capacity, credit &+ (now &- lastRefill))
            lastRefill = now
        }
        guard credit >= costPerToken else { return false }
        credit -= costPerToken
        return true
    }

    /// Whether the bucket would be full at `now` (nothing to remember about its owner).
    public func isFull(now: UInt64) -> Bool {
        credit &+ (now > lastRefill ? now &- lastRefill : 0) >= capacity
    }
}
