// What an operator set for one peer with `peer set`, `peer disable` and `peer enable`.
// No limit is the default: a peer without any is simply active. Stored as JSON (the file
// store and etcd's `peers/` values), with the same field names `peer list --json` uses.

public struct PeerLimits: Hashable, Sendable, Codable {
    /// Each direction; nil: no cap.
    public var rate: Rate?
    public var quota: Quota?
    /// nil: never.
    public var expires: RFC3339Time?
    public var disabled: Bool

    public init(rate: Rate? = nil, quota: Quota? = nil, expires: RFC3339Time? = nil, disabled: Bool = false) {
        self.rate = rate
        self.quota = quota
        self.expires = expires
        self.disabled = disabled
    }

    enum CodingKeys: String, CodingKey {
        case rate = "rate_bits"
        case quota
        case expires
        case disabled
    }

    /// Absent fields mean "no limit", so a document written before a field existed still reads.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        rate = try container.decodeIfPresent(Rate.self, forKey: .rate)
        quota = try container.decodeIfPresent(Quota.self, forKey: .quota)
        expires = try container.decodeIfPresent(RFC3339Time.self, forKey: .expires)
        disabled = try container.decodeIfPresent(Bool.self, forKey: .disabled) ?? false
    }

    /// Nulls are written, not left out: a reader sees every limit that could be set.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rate, forKey: .rate)
        try container.encode(quota, forKey: .quota)
        try container.encode(expires, forKey: .expires)
        try container.encode(disabled, forKey: .disabled)
    }
}
