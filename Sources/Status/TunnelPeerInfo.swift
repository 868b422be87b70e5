// What a server adds to `get=tunnel` about one of its peers under limits: the state, the
// limits and the quota count. Peers it keeps off the device (disabled, expired, over
// quota) are described by this alone, so `tunnel status` still lists them.
import Addresses
import Control

public struct TunnelPeerInfo: Sendable {
    public var name: String?
    public var allowedIPs: [IPPrefix]
    /// PeerState's raw value.
    public var state: String
    /// Bytes both ways in the current quota period.
    public var usageBytes: UInt64
    /// nil: no quota.
    public var quotaBytes: UInt64?
    /// Each direction; nil: no cap.
    public var rateBits: UInt64?
    /// Unix seconds; nil: never.
    public var expires: Int64?

    public init(name: String?, allowedIPs: [IPPrefix], state: String, usageBytes: UInt64, quotaBytes: UInt64?,
                rateBits: UInt64?, expires: Int64?) {
        self.name = name
        self.allowedIPs = allowedIPs
        self.state = state
        self.usageBytes = usageBytes
        self.quotaBytes = quotaBytes
        self.rateBits = rateBits
        self.expires = expires
    }

    /// As per-peer counters on the wire (`tunnel_counter_quota_bytes=...`); an unset limit
    /// sends no line.
    var counters: [UAPICounter] {
        var out: [UAPICounter] = []
        appendCounters(to: &out)
        return out
    }

    /// The most lines `counters` has.
    static let maxCounters = 4

    /// counters, appended to a peer's own (one array per peer, not five).
    func appendCounters(to out: inout [UAPICounter]) {
        out.append(UAPICounter(StatusCounterName.usageBytes, usageBytes))
        if let quotaBytes { out.append(UAPICounter(StatusCounterName.quotaBytes, quotaBytes)) }
        if let rateBits { out.append(UAPICounter(StatusCounterName.rateBits, rateBits)) }
        if let expires { out.append(UAPICounter(StatusCounterName.expires, UInt64(clamping: expires))) }
    }
}
