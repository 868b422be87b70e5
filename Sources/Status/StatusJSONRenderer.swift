// `tunnel status --json`: the report as one JSON document with raw numbers (bytes, Unix
// seconds), every key always present (null when unknown). The schema is
// Docs/status.schema.json (JSON Schema draft 2020-12), explained in Docs/status.md; bump
// `formatVersion` on any incompatible change.
public enum StatusJSONRenderer {
    public static let formatVersion: Int64 = 1

    /// The document, pretty-printed, ending with a newline.
    public static func render(_ report: StatusReport) -> String {
        document(report).text() + "\n"
    }

    static func document(_ r: StatusReport) -> JSONValue {
        .object([("version", .int(formatVersion)), ("time", .int(r.time)),
                 ("interfaces", .array(r.interfaces.map(interface)))])
    }

    static func interface(_ i: InterfaceStatus) -> JSONValue {
        .object([
            ("name", .string(i.name)),
            ("role", .optional(i.role, JSONValue.string)),
            ("public_key", .optional(i.publicKey, JSONValue.string)),
            ("listen_port", .optional(i.listenPort) { .uint(UInt64($0)) }),
            ("fwmark", .optional(i.fwmark) { .uint(UInt64($0)) }),
            ("addresses", .array(i.addresses.map { .string($0.description) })),
            ("peer_count", .optional(i.peerCount, JSONValue.uint)),
            ("sessions", .optional(i.sessions, JSONValue.uint)),
            ("drops", drops(i.drops)),
            ("nat", .optional(i.nat, nat)),
            ("counters", .object(i.otherCounters.map { ($0.name, .uint($0.value)) })),
            ("peers", .array(i.peers.map(peer))),
        ])
    }

    static func nat(_ n: NATStatus) -> JSONValue {
        .object([
            ("mappings", .object(n.mappings.map { ($0.proto, .uint($0.count)) })),
            ("ports", .object(n.ports.map { p in
                (p.proto, .object([("in_use", .optional(p.inUse, JSONValue.uint)),
                                   ("size", .optional(p.size, JSONValue.uint))]))
            })),
            ("ports_in_use", .optional(n.portsInUse, JSONValue.uint)),
            ("port_range_size", .optional(n.portRangeSize, JSONValue.uint)),
            ("drops", drops(n.drops)),
        ])
    }

    static func peer(_ p: PeerStatus) -> JSONValue {
        .object([
            ("public_key", .string(p.publicKey)),
            ("name", .optional(p.name, JSONValue.string)),
            ("preshared_key", .bool(p.hasPresharedKey)),
            ("endpoint", .optional(p.endpoint) { .string($0.description) }),
            ("allowed_ips", .array(p.allowedIPs.map { .string($0.description) })),
            ("latest_handshake", .optional(p.latestHandshake, JSONValue.int)),
            ("rx_bytes", .uint(p.rxBytes)),
            ("tx_bytes", .uint(p.txBytes)),
            ("persistent_keepalive", .uint(UInt64(p.persistentKeepalive))),
            ("handshakes", .optional(p.handshakes) { h in
                .object([("sent", .uint(h.sent)), ("received", .uint(h.received)), ("failed", .uint(h.failed))])
            }),
            ("drops", drops(p.drops)),
            ("state", .optional(p.state, JSONValue.string)),
            ("usage_bytes", .optional(p.usageBytes, JSONValue.uint)),
            ("quota_bytes", .optional(p.quotaBytes, JSONValue.uint)),
            ("rate_bits", .optional(p.rateBits, JSONValue.uint)),
            ("expires", .optional(p.expires, JSONValue.int)),
        ])
    }

    /// Every reported counter, zero or not, by its wire name.
    static func drops(_ d: [DropCount]) -> JSONValue { .object(d.map { ($0.reason, .uint($0.count)) }) }
}
