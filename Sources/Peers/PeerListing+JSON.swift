// `tunnel peer list --json`: one object per peer, every field always present (null when
// unset), numbers as JSON numbers, times as RFC 3339 in UTC. Scripts read this; the field
// names are a contract (Docs/server.md lists them).
import Foundation

extension PeerListing: Encodable {
    enum CodingKeys: String, CodingKey {
        case name, state, addresses, expires, disabled, quota
        case publicKey = "public_key"
        case rxBytes = "rx_bytes"
        case txBytes = "tx_bytes"
        case usageBytes = "usage_bytes"
        case quotaBytes = "quota_bytes"
        case quotaPeriod = "quota_period"
        case periodStart = "period_start"
        case rateBits = "rate_bits"
        case lastHandshake = "last_handshake"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        let limits = settings.limits
        try c.encode(name, forKey: .name)
        try c.encode(publicKey.base64, forKey: .publicKey)
        try c.encode(allowedIPs.map(\.description), forKey: .addresses)
        try c.encode(state.rawValue, forKey: .state)
        try c.encode(usage.rxBytes, forKey: .rxBytes)
        try c.encode(usage.txBytes, forKey: .txBytes)
        try c.encode(usage.quotaBytes, forKey: .usageBytes)
        try c.encode(limits.quota?.limit.bytes, forKey: .quotaBytes)
        try c.encode(limits.quota?.period.rawValue, forKey: .quotaPeriod)
        try c.encode(limits.quota?.description, forKey: .quota)
        try c.encode(Self.time(usage.periodStart), forKey: .periodStart)
        try c.encode(limits.rate?.bitsPerSecond, forKey: .rateBits)
        try c.encode(limits.expires, forKey: .expires)
        try c.encode(limits.disabled, forKey: .disabled)
        try c.encode(usage.lastHandshake.flatMap(Self.time), forKey: .lastHandshake)
    }

    private static func time(_ seconds: Int64) -> RFC3339Time? {
        (RFC3339Time.earliest...RFC3339Time.latest).contains(seconds) ? RFC3339Time(secondsSinceEpoch: seconds) : nil
    }

    /// The JSON array, pretty-printed with sorted keys.
    public static func json(_ rows: [PeerListing]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(rows), as: UTF8.self) + "\n"
    }
}
