// The status model and its renderers: snapshot -> report, human units as wg(8) writes
// them, the exact text of a sample (plain and coloured), and the JSON document.
import Addresses
import Control
import NAT
import XCTest
@testable import Status
@testable import WireGuard

final class StatusRenderTests: XCTestCase {
    static let now: Int64 = 1_700_000_064
    let privateKey = Key(bytes: [UInt8](repeating: 1, count: 32))
    let peerKey = X25519.publicKey(for: Key(bytes: [UInt8](repeating: 2, count: 32)))
    let otherKey = X25519.publicKey(for: Key(bytes: [UInt8](repeating: 3, count: 32)))

    /// A server with NAT counters, one busy peer and one idle peer, as it comes off the wire.
    var sampleSnapshot: UAPIDeviceSnapshot {
        var counters = [UAPICounter("peers", 2), UAPICounter("sessions", 1), UAPICounter("drop_bad_mac", 3),
                        UAPICounter("drop_replay", 0), UAPICounter("nat_mappings_tcp", 3), UAPICounter("nat_mappings_udp", 1),
                        UAPICounter("nat_mappings_icmp", 0), UAPICounter("nat_ports_in_use", 4),
                        UAPICounter("nat_port_range_size", 4000), UAPICounter("nat_ports_used_tcp", 3),
                        UAPICounter("nat_ports_size_tcp", 4000), UAPICounter("nat_ports_used_udp", 1),
                        UAPICounter("nat_ports_size_udp", 4000), UAPICounter("nat_ports_used_icmp", 0),
                        UAPICounter("nat_ports_size_icmp", 4000), UAPICounter("nat_drop_table_full", 2),
                        UAPICounter("nat_drop_filtered", 0)]
        counters.append(UAPICounter("future_thing", 9))
        let busy = UAPIPeerSnapshot(publicKey: UAPIKey(peerKey), presharedKey: UAPIKey(bytes: [UInt8](repeating: 9, count: 32)),
                                    endpoint: Endpoint("192.0.2.2:40000")!, allowedIPs: [try! IPPrefix(parsing: "100.64.0.2/32")],
                                    lastHandshakeTimeSec: StatusRenderTests.now - 64, lastHandshakeTimeNsec: 5,
                                    rxBytes: 1_268_777, txBytes: 348_160, persistentKeepaliveInterval: 25, name: "laptop",
                                    counters: [UAPICounter("handshakes_sent", 0), UAPICounter("handshakes_received", 3),
                                               UAPICounter("handshakes_failed", 1), UAPICounter("drop_replay", 2),
                                               UAPICounter("drop_source_not_allowed", 0)])
        let idle = UAPIPeerSnapshot(publicKey: UAPIKey(otherKey))
        return UAPIDeviceSnapshot(privateKey: UAPIKey(privateKey), listenPort: 51820, fwmark: 0, peers: [busy, idle],
                                  tunnel: UAPITunnelInfo(name: "tun0", role: "server",
                                                         addresses: [try! IPPrefix(parsing: "100.64.0.1/24")], counters: counters))
    }

    var sampleReport: StatusReport {
        StatusReport(time: StatusRenderTests.now, interfaces: [InterfaceStatus(interface: "tun0", snapshot: sampleSnapshot)])
    }

    // MARK: human units

    func testDurationsReadLikeWg() {
        XCTAssertEqual(HumanUnits.duration(0), "0 seconds")
        XCTAssertEqual(HumanUnits.duration(1), "1 second")
        XCTAssertEqual(HumanUnits.duration(25), "25 seconds")
        XCTAssertEqual(HumanUnits.duration(64), "1 minute, 4 seconds")
        XCTAssertEqual(HumanUnits.duration(3600), "1 hour")
        XCTAssertEqual(HumanUnits.duration(2 * 86400 + 7200 + 1), "2 days, 2 hours, 1 second")
        XCTAssertEqual(HumanUnits.duration(366 * 86400), "1 year, 1 day")
    }

    func testAgo() {
        XCTAssertEqual(HumanUnits.ago(100, now: 164), "1 minute, 4 seconds ago")
        XCTAssertEqual(HumanUnits.ago(100, now: 100), "Now")
        XCTAssertTrue(HumanUnits.ago(200, now: 100).contains("future"))
    }

    func testSizesInPowersOf1024() {
        XCTAssertEqual(HumanUnits.bytes(0), "0 B")
        XCTAssertEqual(HumanUnits.bytes(1023), "1023 B")
        XCTAssertEqual(HumanUnits.bytes(1024), "1.00 KiB")
        XCTAssertEqual(HumanUnits.bytes(348_160), "340.00 KiB")
        XCTAssertEqual(HumanUnits.bytes(1_268_777), "1.21 MiB")
        XCTAssertEqual(HumanUnits.bytes(5 << 30), "5.00 GiB")
        XCTAssertEqual(HumanUnits.bytes(3 << 40), "3.00 TiB")
        XCTAssertEqual(HumanUnits.bytes(UInt64.max), "16777216.00 TiB")
    }

    // MARK: model

    func testSnapshotBecomesTheModel() throws {
        let i = try XCTUnwrap(sampleReport.interfaces.first)
        XCTAssertEqual(i.name, "tun0")
        XCTAssertEqual(i.role, "server")
        XCTAssertEqual(i.publicKey, X25519.publicKey(for: privateKey).base64, "derived from the private key")
        XCTAssertEqual(i.listenPort, 51820)
        XCTAssertNil(i.fwmark)
        XCTAssertEqual(i.peerCount, 2)
        XCTAssertEqual(i.sessions, 1)
        XCTAssertEqual(i.drops, [DropCount(reason: "bad_mac", label: "bad MAC", count: 3),
                                 DropCount(reason: "replay", label: "replay", count: 0)])
        XCTAssertEqual(i.nat?.mappings.map(\.count), [3, 1, 0])
        XCTAssertEqual(i.nat?.portsInUse, 4)
        XCTAssertEqual(i.nat?.portRangeSize, 4000)
        XCTAssertEqual(i.nat?.ports, [NATStatus.Ports(proto: "tcp", inUse: 3, size: 4000),
                                      NATStatus.Ports(proto: "udp", inUse: 1, size: 4000),
                                      NATStatus.Ports(proto: "icmp", inUse: 0, size: 4000)])
        XCTAssertEqual(i.nat?.drops.first, DropCount(reason: "table_full", label: "table full", count: 2))
        XCTAssertEqual(i.otherCounters, [UAPICounter("future_thing", 9)])
        let p = i.peers[0]
        XCTAssertEqual(p.publicKey, peerKey.base64)
        XCTAssertTrue(p.hasPresharedKey)
        XCTAssertEqual(p.latestHandshake, StatusRenderTests.now - 64)
        XCTAssertEqual(p.handshakes, HandshakeCounts(sent: 0, received: 3, failed: 1))
        XCTAssertNil(i.peers[1].latestHandshake, "0/0 means never")
        XCTAssertNil(i.peers[1].handshakes)
    }

    func testPlainWireGuardSnapshotHasNoExtras() {
        let i = InterfaceStatus(interface: "wg0", snapshot: UAPIDeviceSnapshot(listenPort: 0))
        XCTAssertEqual(i.name, "wg0")
        XCTAssertNil(i.role)
        XCTAssertNil(i.publicKey)
        XCTAssertNil(i.listenPort)
        XCTAssertNil(i.nat)
        XCTAssertNil(i.sessions)
        XCTAssertEqual(StatusTextRenderer().render(StatusReport(time: 0, interfaces: [i])), "interface: wg0\n")
    }

    // MARK: text

    func testSampleText() {
        let expected = """
            interface: tun0 (server)
              public key: \(X25519.publicKey(for: privateKey).base64)
              listening port: 51820
              addresses: 100.64.0.1/24
              peers: 2, 1 with a session
              nat mappings: 3 tcp, 1 udp, 0 icmp
              nat ports: 3 of 4000 tcp, 1 of 4000 udp, 0 of 4000 icmp in use
              nat drops: table full 2
              drops: bad MAC 3
              future_thing: 9

            peer: \(peerKey.base64)
              name: laptop
              preshared key: (hidden)
              endpoint: 192.0.2.2:40000
              allowed ips: 100.64.0.2/32
              latest handshake: 1 minute, 4 seconds ago
              transfer: 1.21 MiB received, 340.00 KiB sent
              persistent keepalive: every 25 seconds
              handshakes: 0 sent, 3 received, 1 failed
              drops: replay 2

            peer: \(otherKey.base64)
              allowed ips: (none)

            """
        XCTAssertEqual(StatusTextRenderer(style: .plain).render(sampleReport), expected)
    }

    /// Issue 9 defect 7: a full UDP pool and a few TCP and ICMP ports once read "4008 of
    /// 4000 in use" (the sum over pools against one pool's size). Each protocol is shown
    /// against its own pools now, and the same counters as StatusCounterName writes them.
    func testNATPortsAreShownPerProtocolAgainstTheirOwnPools() throws {
        var stats = NATStatistics()
        stats.portsInUse = 4008
        stats.portRangeSize = 4000
        let table = try NATTable(configuration: NATConfiguration(egressIPv4: IPv4Address("203.0.113.1")!,
                                                                 portRange: 61000...64999))
        let empty = StatusCounterName.nat(table.statistics)
        XCTAssertEqual(empty.filter { $0.name.hasPrefix("nat_ports_") }.map { "\($0.name)=\($0.value)" },
                       ["nat_ports_in_use=0", "nat_ports_used_tcp=0", "nat_ports_size_tcp=4000", "nat_ports_used_udp=0",
                        "nat_ports_size_udp=4000", "nat_ports_used_icmp=0", "nat_ports_size_icmp=4000"],
                       "IPv4 only: one pool per protocol")
        let counters = [UAPICounter("nat_mappings_udp", 4000), UAPICounter("nat_ports_in_use", 4008),
                        UAPICounter("nat_port_range_size", 4000),
                        UAPICounter("nat_ports_used_tcp", 3), UAPICounter("nat_ports_size_tcp", 4000),
                        UAPICounter("nat_ports_used_udp", 4000), UAPICounter("nat_ports_size_udp", 4000),
                        UAPICounter("nat_ports_used_icmp", 5), UAPICounter("nat_ports_size_icmp", 4000)]
        let i = InterfaceStatus(interface: "tun0", snapshot: UAPIDeviceSnapshot(
            listenPort: 51820, tunnel: UAPITunnelInfo(name: "tun0", role: "server", counters: counters)))
        let text = StatusTextRenderer().render(StatusReport(time: 0, interfaces: [i]))
        XCTAssertTrue(text.contains("  nat ports: 3 of 4000 tcp, 4000 of 4000 udp, 5 of 4000 icmp in use\n"), text)
        XCTAssertFalse(text.contains("4008"), text)
        // A tunnel from before the per-protocol counters: the total alone, no misleading "of".
        var old = i
        old.nat?.ports = []
        XCTAssertTrue(StatusTextRenderer().render(StatusReport(time: 0, interfaces: [old])).contains("nat ports: 4008 in use\n"))
    }

    /// Docs/status.md: lines with nothing to say are left out. A running server reports
    /// `handshakes_completed`, `cookie_replies_sent` and seven `router_*` counters, most of
    /// them zero; only the ones that counted something get a line (JSON keeps them all).
    func testZeroCountersAreLeftOutOfTheText() {
        let counters = [UAPICounter("peers", 1), UAPICounter("sessions", 0), UAPICounter("handshakes_completed", 0),
                        UAPICounter("cookie_replies_sent", 0), UAPICounter("router_isolated_drops", 0),
                        UAPICounter("router_foreign_icmp", 4), UAPICounter("router_superpackets_translated", 0)]
        let i = InterfaceStatus(interface: "tun0", snapshot: UAPIDeviceSnapshot(
            listenPort: 51820, tunnel: UAPITunnelInfo(name: "tun0", role: "server", counters: counters)))
        XCTAssertEqual(StatusTextRenderer().render(StatusReport(time: 0, interfaces: [i])), """
            interface: tun0 (server)
              listening port: 51820
              peers: 1, 0 with a session
              router_foreign_icmp: 4

            """)
        XCTAssertEqual(i.otherCounters.count, 5, "the model keeps every counter")
    }

    func testColourOnlyWhenAsked() {
        let plain = StatusTextRenderer(style: .plain).render(sampleReport)
        let coloured = StatusTextRenderer(style: .terminal).render(sampleReport)
        XCTAssertFalse(plain.contains("\u{1B}"))
        XCTAssertTrue(coloured.hasPrefix("\u{1B}[32m\u{1B}[1minterface\u{1B}[0m: \u{1B}[32mtun0 (server)\u{1B}[0m\n"))
        let stripped = coloured.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
        XCTAssertEqual(stripped, plain, "colour changes nothing but colour")
    }

    func testSeveralInterfacesAreSeparatedByABlankLine() {
        let a = InterfaceStatus(name: "a"), b = InterfaceStatus(name: "b")
        XCTAssertEqual(StatusTextRenderer().render(StatusReport(time: 0, interfaces: [a, b])), "interface: a\n\ninterface: b\n")
    }

    // MARK: JSON

    func testJSONDocument() throws {
        let text = StatusJSONRenderer.render(sampleReport)
        XCTAssertTrue(text.hasSuffix("}\n"))
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(doc["version"] as? Int, 1)
        XCTAssertEqual(doc["time"] as? Int, Int(StatusRenderTests.now))
        let i = try XCTUnwrap((doc["interfaces"] as? [[String: Any]])?.first)
        XCTAssertEqual(Set(i.keys), ["name", "role", "public_key", "listen_port", "fwmark", "addresses", "peer_count",
                                     "sessions", "drops", "nat", "counters", "peers"], "every key always present")
        XCTAssertTrue(i["fwmark"] is NSNull)
        XCTAssertEqual(i["listen_port"] as? Int, 51820)
        XCTAssertEqual(i["drops"] as? [String: Int], ["bad_mac": 3, "replay": 0])
        let nat = try XCTUnwrap(i["nat"] as? [String: Any])
        XCTAssertEqual(nat["mappings"] as? [String: Int], ["tcp": 3, "udp": 1, "icmp": 0])
        XCTAssertEqual(nat["ports_in_use"] as? Int, 4)
        XCTAssertEqual(nat["port_range_size"] as? Int, 4000)
        XCTAssertEqual(nat["ports"] as? [String: [String: Int]], ["tcp": ["in_use": 3, "size": 4000],
                                                                  "udp": ["in_use": 1, "size": 4000],
                                                                  "icmp": ["in_use": 0, "size": 4000]])
        let peers = try XCTUnwrap(i["peers"] as? [[String: Any]])
        XCTAssertEqual(Set(peers[0].keys), ["public_key", "name", "preshared_key", "endpoint", "allowed_ips", "latest_handshake",
                                            "rx_bytes", "tx_bytes", "persistent_keepalive", "handshakes", "drops",
                                            "state", "usage_bytes", "quota_bytes", "rate_bits", "expires"])
        XCTAssertTrue(peers[0]["state"] is NSNull, "no limits from a tunnel that reports none")
        XCTAssertEqual(peers[0]["rx_bytes"] as? Int, 1_268_777)
        XCTAssertEqual(peers[0]["latest_handshake"] as? Int, Int(StatusRenderTests.now - 64))
        XCTAssertEqual(peers[0]["preshared_key"] as? Bool, true)
        XCTAssertEqual(peers[0]["handshakes"] as? [String: Int], ["sent": 0, "received": 3, "failed": 1])
        XCTAssertTrue(peers[1]["latest_handshake"] is NSNull)
        XCTAssertTrue(peers[1]["endpoint"] is NSNull)
        XCTAssertFalse(text.contains(UAPIKey(bytes: [UInt8](repeating: 9, count: 32))!.hex), "no preshared key")
        XCTAssertFalse(text.contains(privateKey.base64), "no private key")
    }

    func testJSONStringsAreEscaped() {
        var out = ""
        JSONValue.writeString("a\"b\\c\nd\u{1}é", into: &out)
        XCTAssertEqual(out, #""a\"b\\c\nd\u0001é""#)
        XCTAssertEqual(JSONValue.object([]).text(), "{}")
        XCTAssertEqual(JSONValue.array([.int(-1), .null]).text(indent: nil), "[-1,null]")
    }

    func testJSONMatchesTheDocumentedSchemaKeys() throws {
        let schemaURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Docs/status.schema.json")
        let schema = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: schemaURL)) as? [String: Any])
        let defs = try XCTUnwrap(schema["$defs"] as? [String: Any])
        let interface = try XCTUnwrap(defs["interface"] as? [String: Any])
        let peer = try XCTUnwrap(defs["peer"] as? [String: Any])
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(StatusJSONRenderer.render(sampleReport).utf8)) as? [String: Any])
        let i = try XCTUnwrap((doc["interfaces"] as? [[String: Any]])?.first)
        let p = try XCTUnwrap((i["peers"] as? [[String: Any]])?.first)
        XCTAssertEqual(Set(schema["required"] as? [String] ?? []), Set(doc.keys))
        XCTAssertEqual(Set(interface["required"] as? [String] ?? []), Set(i.keys))
        XCTAssertEqual(Set(peer["required"] as? [String] ?? []), Set(p.keys))
    }
}
