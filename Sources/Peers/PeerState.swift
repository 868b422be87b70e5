// What a peer is allowed to do right now, as `peer list`, status, JSON and metrics show it.
// The raw values are the words those outputs print.

public enum PeerState: String, Hashable, Sendable, Codable, CaseIterable {
    /// An invite that was never used: the invite record's state, never derived from limits.
    case invited
    case active
    case disabled
    case expired
    case overQuota = "over-quota"

    /// The state of an enrolled peer at `now` (seconds since the Unix epoch). One cause is
    /// shown even when several hold, in the order an operator acts on them: a disabled
    /// peer stays disabled whatever its expiry, and an expired one need not be told about
    /// its quota.
    public static func derive(limits: PeerLimits, usage: PeerUsage, now: Int64) -> PeerState {
        if limits.disabled { return .disabled }
        if let expires = limits.expires, now >= expires.secondsSinceEpoch { return .expired }
        if let quota = limits.quota, usage.periodBytes(at: now, period: quota.period) >= quota.limit.bytes {
            return .overQuota
        }
        return .active
    }

    /// Whether the data path lets the peer's packets and handshakes through.
    public var admitsTraffic: Bool { self == .active }
}
