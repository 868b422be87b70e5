// The Prometheus text of a status report, exactly: family order, HELP/TYPE once per
// family across interfaces, labels in order and escaped, peers without handshake
// counters (a plain WireGuard implementation), unknown device counters kept.
import Addresses
import XCTest
@testable import Status

final class PrometheusRenderTests: XCTestCase {
    func testServerAndClientReportRendersExactly() {
        let alice = PeerStatus(publicKey: "AAAA+/=", name: "al\"i\\ce\n", latestHandshake: 1_700_000_000, rxBytes: 1024,
                               txBytes: 2048, handshakes: HandshakeCounts(sent: 1, received: 2, failed: 3),
                               drops: [DropCount(reason: "replay", label: "replayed", count: 5)])
        let plain = PeerStatus(publicKey: "BBBB=", rxBytes: 7, txBytes: 8)
        let server = InterfaceStatus(name: "tunnel0", role: "server", publicKey: "SRV=", peerCount: 1, sessions: 1,
                                     drops: [DropCount(reason: "bad_mac", label: "bad MAC", count: 4)],
                                     nat: NATStatus(mappings: [.init(proto: "tcp", count: 3)], portsInUse: 3,
                                                    portRangeSize: 4000,
                                                    drops: [DropCount(reason: "table_full", label: "table full", count: 2)]),
                                     otherCounters: [.init("handshakes_completed", 6), .init("cookie_replies_sent", 1),
                                                     .init("future_thing", 9)], peers: [alice])
        let client = InterfaceStatus(name: "tunnel1", peers: [plain])
        let text = PrometheusRenderer.render(StatusReport(time: 1_700_000_064, interfaces: [server, client]))
        XCTAssertEqual(text, """
            # HELP wireguard_sent_bytes_total Bytes sent to the peer.
            # TYPE wireguard_sent_bytes_total counter
            wireguard_sent_bytes_total{interface="tunnel0",public_key="AAAA+/=",name="al\\"i\\\\ce\\n"} 2048
            wireguard_sent_bytes_total{interface="tunnel1",public_key="BBBB="} 8
            # HELP wireguard_received_bytes_total Bytes received from the peer.
            # TYPE wireguard_received_bytes_total counter
            wireguard_received_bytes_total{interface="tunnel0",public_key="AAAA+/=",name="al\\"i\\\\ce\\n"} 1024
            wireguard_received_bytes_total{interface="tunnel1",public_key="BBBB="} 7
            # HELP wireguard_latest_handshake_seconds Unix time of the latest handshake with the peer (0: never).
            # TYPE wireguard_latest_handshake_seconds gauge
            wireguard_latest_handshake_seconds{interface="tunnel0",public_key="AAAA+/=",name="al\\"i\\\\ce\\n"} 1700000000
            wireguard_latest_handshake_seconds{interface="tunnel1",public_key="BBBB="} 0
            # HELP tunnel_peer_handshake_initiations_sent_total Handshake initiations sent to the peer.
            # TYPE tunnel_peer_handshake_initiations_sent_total counter
            tunnel_peer_handshake_initiations_sent_total{interface="tunnel0",public_key="AAAA+/=",name="al\\"i\\\\ce\\n"} 1
            # HELP tunnel_peer_handshake_initiations_received_total Handshake initiations received from the peer.
            # TYPE tunnel_peer_handshake_initiations_received_total counter
            tunnel_peer_handshake_initiations_received_total{interface="tunnel0",public_key="AAAA+/=",name="al\\"i\\\\ce\\n"} 2
            # HELP tunnel_peer_handshakes_failed_total Handshakes with the peer that failed (rejected, or no answer).
            # TYPE tunnel_peer_handshakes_failed_total counter
            tunnel_peer_handshakes_failed_total{interface="tunnel0",public_key="AAAA+/=",name="al\\"i\\\\ce\\n"} 3
            # HELP tunnel_peer_dropped_packets_total Packets of the peer dropped, by reason.
            # TYPE tunnel_peer_dropped_packets_total counter
            tunnel_peer_dropped_packets_total{interface="tunnel0",public_key="AAAA+/=",name="al\\"i\\\\ce\\n",reason="replay"} 5
            # HELP tunnel_interface_info A running tunnel interface (always 1).
            # TYPE tunnel_interface_info gauge
            tunnel_interface_info{interface="tunnel0",role="server",public_key="SRV="} 1
            tunnel_interface_info{interface="tunnel1",role="",public_key=""} 1
            # HELP tunnel_peers Configured peers.
            # TYPE tunnel_peers gauge
            tunnel_peers{interface="tunnel0"} 1
            # HELP tunnel_sessions Peers with a current session.
            # TYPE tunnel_sessions gauge
            tunnel_sessions{interface="tunnel0"} 1
            # HELP tunnel_handshakes_total Handshakes completed, with any peer.
            # TYPE tunnel_handshakes_total counter
            tunnel_handshakes_total{interface="tunnel0"} 6
            # HELP tunnel_cookie_replies_sent_total Cookie replies sent (handshakes refused under load).
            # TYPE tunnel_cookie_replies_sent_total counter
            tunnel_cookie_replies_sent_total{interface="tunnel0"} 1
            # HELP tunnel_dropped_packets_total Packets dropped before a peer was known, by reason.
            # TYPE tunnel_dropped_packets_total counter
            tunnel_dropped_packets_total{interface="tunnel0",reason="bad_mac"} 4
            # HELP tunnel_nat_mappings Live NAT mappings, by protocol.
            # TYPE tunnel_nat_mappings gauge
            tunnel_nat_mappings{interface="tunnel0",protocol="tcp"} 3
            # HELP tunnel_nat_ports_in_use External NAT ports (and ICMP ids) in use.
            # TYPE tunnel_nat_ports_in_use gauge
            tunnel_nat_ports_in_use{interface="tunnel0"} 3
            # HELP tunnel_nat_port_range_size External NAT ports available in all.
            # TYPE tunnel_nat_port_range_size gauge
            tunnel_nat_port_range_size{interface="tunnel0"} 4000
            # HELP tunnel_nat_dropped_packets_total Packets the NAT refused, by reason.
            # TYPE tunnel_nat_dropped_packets_total counter
            tunnel_nat_dropped_packets_total{interface="tunnel0",reason="table_full"} 2
            # HELP tunnel_future_thing Tunnel counter future_thing.
            # TYPE tunnel_future_thing untyped
            tunnel_future_thing{interface="tunnel0"} 9

            """)
    }

    func testEmptyReportIsEmpty() {
        XCTAssertEqual(PrometheusRenderer.render(StatusReport(time: 0, interfaces: [])), "")
    }
}
