// One peer's traffic as the server counts it and the usage file keeps it: lifetime totals
// (never reset, as `wg show` transfer but surviving restarts), the bytes counted against
// the quota in the current period, when that period started, and the last handshake.
// Times are seconds since the Unix epoch, passed in.

public struct PeerUsage: Hashable, Sendable, Codable {
    /// Bytes received from the peer, lifetime.
    public var rxBytes: UInt64
    /// Bytes sent to the peer, lifetime.
    public var txBytes: UInt64
    /// Bytes both ways since `periodStart`, what the quota is checked against.
    public var quotaBytes: UInt64
    public var periodStart: Int64
    public var lastHandshake: Int64?

    public init(rxBytes: UInt64 = 0, txBytes: UInt64 = 0, quotaBytes: UInt64 = 0, periodStart: Int64,
                lastHandshake: Int64? = nil) {
        self.rxBytes = rxBytes
        self.txBytes = txBytes
        self.quotaBytes = quotaBytes
        self.periodStart = periodStart
        self.lastHandshake = lastHandshake
    }

    /// Counts traffic. Saturating: a counter stuck at its maximum is wrong by less than a
    /// wrapped one, which would also lift an exhausted quota.
    public mutating func add(rx: UInt64, tx: UInt64) {
        rxBytes = Self.saturating(rxBytes, rx)
        txBytes = Self.saturating(txBytes, tx)
        quotaBytes = Self.saturating(quotaBytes, Self.saturating(rx, tx))
    }

    /// Starts a new quota period if `now` lies past the one the count belongs to. A plain
    /// (`total`) quota never rolls over by itself; see `reset`.
    public mutating func rollOver(period: QuotaPeriod, now: Int64) {
        let current = period.bounds(at: now, anchor: periodStart).start
        if current > periodStart {
            quotaBytes = 0
            periodStart = current
        }
    }

    /// `--reset-usage`, or a plain quota newly set: the quota counts from `now`. Lifetime
    /// totals are kept.
    public mutating func reset(now: Int64) {
        quotaBytes = 0
        periodStart = now
    }

    /// The quota count as it stands at `now` without changing anything: zero once the
    /// stored period is over, for a reader such as `peer list` while the server is down.
    public func periodBytes(at now: Int64, period: QuotaPeriod) -> UInt64 {
        var copy = self
        copy.rollOver(period: period, now: now)
        return copy.quotaBytes
    }

    enum CodingKeys: String, CodingKey {
        case rxBytes = "rx_bytes"
        case txBytes = "tx_bytes"
        case quotaBytes = "usage_bytes"
        case periodStart = "period_start"
        case lastHandshake = "last_handshake"
    }

    /// Times as RFC 3339 text, so the file reads without a converter.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        rxBytes = try container.decode(UInt64.self, forKey: .rxBytes)
        txBytes = try container.decode(UInt64.self, forKey: .txBytes)
        quotaBytes = try container.decode(UInt64.self, forKey: .quotaBytes)
        periodStart = try container.decode(RFC3339Time.self, forKey: .periodStart).secondsSinceEpoch
        lastHandshake = try container.decodeIfPresent(RFC3339Time.self, forKey: .lastHandshake)?.secondsSinceEpoch
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rxBytes, forKey: .rxBytes)
        try container.encode(txBytes, forKey: .txBytes)
        try container.encode(quotaBytes, forKey: .quotaBytes)
        try container.encode(Self.time(periodStart, container.codingPath), forKey: .periodStart)
        try container.encode(lastHandshake.map { try Self.time($0, container.codingPath) }, forKey: .lastHandshake)
    }

    private static func time(_ seconds: Int64, _ path: [CodingKey]) throws -> RFC3339Time {
        guard (RFC3339Time.earliest...RFC3339Time.latest).contains(seconds) else {
            throw EncodingError.invalidValue(seconds, .init(codingPath: path, debugDescription: "a time outside the years 0000 to 9999"))
        }
        return RFC3339Time(secondsSinceEpoch: seconds)
    }

    static func saturating(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }
}
