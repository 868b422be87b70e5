// The names of the `tunnel_counter_<name>` values on the control socket, named once: the
// bridge writes them, StatusReport reads them back. Only [a-z0-9_]; the protocol would
// rewrite anything else.
import Control
import NAT
import WireGuard
import DataPath

public enum StatusCounterName {
    // Device level.
    public static let peers = "peers"
    public static let sessions = "sessions"
    public static let cookieRepliesSent = "cookie_replies_sent"
    public static let dropPrefix = "drop_"
    public static let natMappingsPrefix = "nat_mappings_"
    public static let natPortsInUse = "nat_ports_in_use"
    public static let natPortRangeSize = "nat_port_range_size"
    /// Per protocol: ports in use and the size of that protocol's pools (both families).
    public static let natPortsUsedPrefix = "nat_ports_used_"
    public static let natPortsSizePrefix = "nat_ports_size_"
    public static let natDropPrefix = "nat_drop_"
    /// Device-wide event counts (DeviceEventCounts).
    public static let handshakesCompleted = DeviceEventCounts.handshakesCompletedName
    // Peer level (drops use dropPrefix too).
    public static let handshakesSent = "handshakes_sent"
    public static let handshakesReceived = "handshakes_received"
    public static let handshakesFailed = "handshakes_failed"
    /// A server's peer limits (TunnelPeerInfo): bytes in the quota period, the quota, the
    /// rate cap in bits per second each way, the expiry in Unix seconds.
    public static let usageBytes = "usage_bytes"
    public static let quotaBytes = "quota_bytes"
    public static let rateBits = "rate_bits"
    public static let expires = "expires"

    public static func drop(_ reason: DropReason) -> String { dropPrefix + reason.counterSuffix }

    public static func natDrop(_ reason: NATDropReason) -> String { natDropPrefix + reason.counterSuffix }

    public static func natMappings(_ proto: NATProtocol) -> String { natMappingsPrefix + proto.description }

    public static func natPortsUsed(_ proto: NATProtocol) -> String { natPortsUsedPrefix + proto.description }

    public static func natPortsSize(_ proto: NATProtocol) -> String { natPortsSizePrefix + proto.description }

    /// Every counter a server's NAT contributes, for TunnelStatusInfo.counters.
    public static func nat(_ s: NATStatistics) -> [UAPICounter] {
        var out = NATProtocol.allCases.map { UAPICounter(natMappings($0), UInt64(max(0, s.mappings(of: $0)))) }
        out.append(UAPICounter(natPortsInUse, UInt64(max(0, s.portsInUse))))
        out.append(UAPICounter(natPortRangeSize, UInt64(max(0, s.portRangeSize))))
        for proto in NATProtocol.allCases {
            out.append(UAPICounter(natPortsUsed(proto), UInt64(max(0, s.portsInUse(of: proto)))))
            out.append(UAPICounter(natPortsSize(proto), UInt64(max(0, s.portCapacity(of: proto)))))
        }
        out += NATDropReason.allCases.map { UAPICounter(natDrop($0), s.drops[$0]) }
        return out
    }

    /// A server's forwarding counters (ServerRouter), for TunnelStatusInfo.counters.
    public static func router(_ c: ServerRouter.Counters) -> [UAPICounter] {
        [UAPICounter("router_isolated_drops", c.isolatedDrops),
         UAPICounter("router_ttl_expired", c.ttlExpired),
         UAPICounter("router_malformed", c.malformed),
         UAPICounter("router_raw_send_failures", c.rawSendFailures),
         UAPICounter("router_returned_to_kernel", c.returnedToKernel),
         UAPICounter("router_foreign_icmp", c.foreignICMP),
         UAPICounter("router_superpackets_translated", c.superPacketsTranslated),
         UAPICounter("router_rate_limited", c.rateLimited),
         UAPICounter("router_unsolicited_inbound", c.unsolicitedInbound)]
    }

    /// Every drop reason, zero or not, so the set of a device's keys is the same on every answer.
    static func drops(_ counters: DropCounters) -> [UAPICounter] {
        var out: [UAPICounter] = []
        appendDrops(counters, to: &out)
        return out
    }

    static func appendDrops(_ counters: DropCounters, to out: inout [UAPICounter]) {
        for (reason, name) in zip(DropReason.allCases, dropNames) { out.append(UAPICounter(name, counters[reason])) }
    }

    /// A peer's drops: only the reasons above zero, in DropReason.allCases order. Of a
    /// 10,000-peer answer's 11.7 MB, two thirds were zero drop counters; a reader fills
    /// in the rest (PeerStatus(snapshot:)).
    static func appendDropsAboveZero(_ counters: DropCounters, to out: inout [UAPICounter]) {
        for (reason, name) in zip(DropReason.allCases, dropNames) where counters[reason] > 0 {
            out.append(UAPICounter(name, counters[reason]))
        }
    }

    /// drop(_:) of every reason in DropReason.allCases order, made once: every answer
    /// carries them, and most are too long to be Strings without an allocation.
    static let dropNames = DropReason.allCases.map(drop)

    /// A person's words for a drop counter's suffix; unknown suffixes (a newer tunnel)
    /// are shown with spaces for underscores.
    static func dropLabel(_ suffix: String) -> String {
        DropReason.allCases.first { $0.counterSuffix == suffix }?.description ?? suffix.replacingUnderscores
    }

    static func natDropLabel(_ suffix: String) -> String {
        NATDropReason.allCases.first { $0.counterSuffix == suffix }?.description ?? suffix.replacingUnderscores
    }
}

extension DropReason {
    /// The wire name of the reason, stable across versions (not derived from the Swift name).
    var counterSuffix: String {
        switch self {
        case .malformedDatagram: return "malformed_datagram"
        case .unknownMessageType: return "unknown_message_type"
        case .invalidMAC: return "bad_mac"
        case .handshakeFailed: return "handshake_failed"
        case .unknownReceiverIndex: return "unknown_index"
        case .replayed: return "replay"
        case .decryptionFailed: return "decryption_failed"
        case .expiredKeypair: return "expired_keypair"
        case .sourceNotAllowed: return "source_not_allowed"
        case .malformedInnerPacket: return "malformed_inner_packet"
        case .noPeerForDestination: return "no_peer_for_destination"
        case .noEndpoint: return "no_endpoint"
        case .stagingQueueFull: return "staging_queue_full"
        case .bufferTooSmall: return "buffer_too_small"
        case .handshakeRateLimited: return "handshake_ratelimited"
        case .handshakeBudgetSpent: return "handshake_budget_spent"
        case .handshakeOverload: return "handshake_overload"
        case .rateLimited: return "rate_limited"
        }
    }
}

extension NATDropReason {
    var counterSuffix: String {
        switch self {
        case .tableFull: return "table_full"
        case .perClientLimit: return "per_client_limit"
        case .noMapping: return "no_mapping"
        case .filtered: return "filtered"
        case .unsupportedProtocol: return "unsupported_protocol"
        case .malformed: return "malformed"
        case .noEgressAddress: return "no_egress_address"
        case .fragmentLimit: return "fragment_limit"
        case .routingHeader: return "routing_header"
        case .hairpin: return "hairpin"
        case .toLoopback: return "loopback"
        case .toUnspecified: return "unspecified"
        case .toMulticast: return "multicast"
        case .toBroadcast: return "broadcast"
        case .toLinkLocal: return "link_local"
        }
    }
}

private extension String {
    var replacingUnderscores: String { String(map { $0 == "_" ? " " : $0 }) }
}
