// `tunnel status --prometheus` and `--metrics`: the report in the Prometheus text
// exposition format (version 0.0.4). Per-peer traffic keeps the names of the common
// WireGuard exporters (wireguard_*, label public_key) so their dashboards work; the rest
// is tunnel_*. Counters end in _total, times are Unix seconds. A peer's endpoint is not a
// label: it is a client's home address (personal data) and would start a new series on
// every roam. Pure.
import Peers

public enum PrometheusRenderer {
    /// The content type scrapers expect for this format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func render(_ report: StatusReport) -> String {
        var families = PeerFamilies()
        var device = DeviceFamilies()
        for i in report.interfaces {
            device.add(i)
            for p in i.peers { families.add(p, interface: i.name) }
        }
        return (families.all + device.all).map(\.text).joined()
    }

    static func peerLabels(_ p: PeerStatus, interface: String) -> [(String, String)] {
        [("interface", interface), ("public_key", p.publicKey)] + (p.name.map { [("name", $0)] } ?? [])
    }

    struct PeerFamilies {
        var sent = PrometheusFamily("wireguard_sent_bytes_total", .counter, "Bytes sent to the peer.")
        var received = PrometheusFamily("wireguard_received_bytes_total", .counter, "Bytes received from the peer.")
        var handshake = PrometheusFamily("wireguard_latest_handshake_seconds", .gauge,
                                         "Unix time of the latest handshake with the peer (0: never).")
        var initiationsSent = PrometheusFamily("tunnel_peer_handshake_initiations_sent_total", .counter,
                                               "Handshake initiations sent to the peer.")
        var initiationsReceived = PrometheusFamily("tunnel_peer_handshake_initiations_received_total", .counter,
                                                   "Handshake initiations received from the peer.")
        var failed = PrometheusFamily("tunnel_peer_handshakes_failed_total", .counter,
                                      "Handshakes with the peer that failed (rejected, or no answer).")
        var drops = PrometheusFamily("tunnel_peer_dropped_packets_total", .counter, "Packets of the peer dropped, by reason.")
        var state = PrometheusFamily("tunnel_peer_state", .gauge,
                                     "The peer's state under the server's limits: 1 for the current one, 0 for the others.")
        var usage = PrometheusFamily("tunnel_peer_usage_bytes", .gauge, "Bytes both ways in the peer's current quota period.")
        var quota = PrometheusFamily("tunnel_peer_quota_bytes", .gauge, "The peer's quota per period (absent: none).")
        var rate = PrometheusFamily("tunnel_peer_rate_bits", .gauge,
                                    "The peer's rate cap in bits per second, each direction (absent: none).")
        var expires = PrometheusFamily("tunnel_peer_expires_seconds", .gauge, "Unix time the peer expires (absent: never).")

        mutating func add(_ p: PeerStatus, interface: String) {
            let labels = PrometheusRenderer.peerLabels(p, interface: interface)
            sent.add(labels, p.txBytes)
            received.add(labels, p.rxBytes)
            handshake.add(labels, p.latestHandshake ?? 0)
            if let h = p.handshakes {
                initiationsSent.add(labels, h.sent)
                initiationsReceived.add(labels, h.received)
                failed.add(labels, h.failed)
            }
            for d in p.drops { drops.add(labels + [("reason", d.reason)], d.count) }
            if let current = p.state {
                // Every state, so a query sees a peer leave one as a 1 turning 0.
                for s in PeerState.allCases where s != .invited || current == s.rawValue {
                    state.add(labels + [("state", s.rawValue)], UInt64(s.rawValue == current ? 1 : 0))
                }
            }
            if let n = p.usageBytes { usage.add(labels, n) }
            if let n = p.quotaBytes { quota.add(labels, n) }
            if let n = p.rateBits { rate.add(labels, n) }
            if let n = p.expires { expires.add(labels, n) }
        }

        var all: [PrometheusFamily] {
            [sent, received, handshake, initiationsSent, initiationsReceived, failed, drops, state, usage, quota, rate, expires]
        }
    }

    struct DeviceFamilies {
        var info = PrometheusFamily("tunnel_interface_info", .gauge, "A running tunnel interface (always 1).")
        var peers = PrometheusFamily("tunnel_peers", .gauge, "Configured peers.")
        var sessions = PrometheusFamily("tunnel_sessions", .gauge, "Peers with a current session.")
        var drops = PrometheusFamily("tunnel_dropped_packets_total", .counter,
                                     "Packets dropped before a peer was known, by reason.")
        var natMappings = PrometheusFamily("tunnel_nat_mappings", .gauge, "Live NAT mappings, by protocol.")
        var natPorts = PrometheusFamily("tunnel_nat_ports_in_use", .gauge, "External NAT ports (and ICMP ids) in use.")
        var natPortRange = PrometheusFamily("tunnel_nat_port_range_size", .gauge, "External NAT ports available in all.")
        var natDrops = PrometheusFamily("tunnel_nat_dropped_packets_total", .counter, "Packets the NAT refused, by reason.")
        var handshakes = PrometheusFamily("tunnel_handshakes_total", .counter, "Handshakes completed, with any peer.")
        var cookieReplies = PrometheusFamily("tunnel_cookie_replies_sent_total", .counter,
                                             "Cookie replies sent (handshakes refused under load).")
        /// Counters of a newer tunnel this version has no name for, as they came.
        var others: [String: PrometheusFamily] = [:]

        mutating func add(_ i: InterfaceStatus) {
            let labels = [("interface", i.name)]
            info.add(labels + [("role", i.role ?? ""), ("public_key", i.publicKey ?? "")], UInt64(1))
            if let n = i.peerCount { peers.add(labels, n) }
            if let n = i.sessions { sessions.add(labels, n) }
            for d in i.drops { drops.add(labels + [("reason", d.reason)], d.count) }
            if let nat = i.nat { add(nat, labels: labels) }
            for c in i.otherCounters {
                if c.name == StatusCounterName.handshakesCompleted {
                    handshakes.add(labels, c.value)
                    continue
                }
                if c.name == StatusCounterName.cookieRepliesSent {
                    cookieReplies.add(labels, c.value)
                    continue
                }
                let name = "tunnel_" + c.name
                others[name, default: PrometheusFamily(name, .untyped, "Tunnel counter \(c.name).")].add(labels, c.value)
            }
        }

        private mutating func add(_ nat: NATStatus, labels: [(String, String)]) {
            for m in nat.mappings { natMappings.add(labels + [("protocol", m.proto)], m.count) }
            if let n = nat.portsInUse { natPorts.add(labels, n) }
            if let n = nat.portRangeSize { natPortRange.add(labels, n) }
            for d in nat.drops { natDrops.add(labels + [("reason", d.reason)], d.count) }
        }

        var all: [PrometheusFamily] {
            [info, peers, sessions, handshakes, cookieReplies, drops, natMappings, natPorts, natPortRange, natDrops]
                + others.keys.sorted().compactMap { others[$0] }
        }
    }
}
