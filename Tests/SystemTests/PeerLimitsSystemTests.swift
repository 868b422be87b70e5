import Foundation
import XCTest

/// Peer limits on a running `tunnel server`, against a stock wireguard-go client set up
/// from the config `tunnel peer add` printed (ServerLab, one client):
/// rate caps measured with iperf3, `peer disable`, expiry and quota ending a live
/// session and their undoing letting it back, and counters across a SIGKILL.
final class PeerLimitsSystemTests: XCTestCase {
    static let tools = ["wg", "wireguard-go", "ping", "iperf3"]

    private struct Lab {
        let topo: Topology
        let server: TunnelServerProcess
        let bob: WireGuardGoPeer
        var bobKey: String { bob.keys.publicKey }
    }

    private func makeLab() throws -> Lab {
        try requireSystemTestPrerequisites(tools: PeerLimitsSystemTests.tools, needsTunnelBinary: true)
        let topo = try Topology(ServerLab.topology(clients: 1), test: self)
        let server = try TunnelServerProcess(in: topo, namespace: "server")
        let bob = try server.startWireGuardGoClient("bob", in: "client1")
        let lab = Lab(topo: topo, server: server, bob: bob)
        XCTAssertTrue(reaches(lab), "bob is online: \(server.log)")
        return lab
    }

    /// Whether a ping from bob to the internet host gets through within `within` seconds
    /// (wireguard-go retries its handshake every 5 s).
    private func reaches(_ lab: Lab, within: TimeInterval = 30) -> Bool {
        lab.topo.waitUntil(timeout: within) {
            (try? lab.topo.attempt("client1", ["ping", "-c", "1", "-W", "1", ServerLab.internet]).status) == 0
        }
    }

    /// Two pings in a row lost: the session is over.
    private func cutOff(_ lab: Lab) -> Bool {
        (try? lab.topo.attempt("client1", ["ping", "-c", "2", "-i", "0.5", "-W", "1", ServerLab.internet]).status) != 0
    }

    private func tunnel(_ lab: Lab, _ args: [String]) throws -> String {
        try Command.check([SystemTestEnvironment.tunnelBinary!] + args + ["--config", lab.server.configPath])
    }

    /// Whether the server's device (`wg show`) holds bob.
    private func serverHasBob(_ lab: Lab) -> Bool {
        ((try? lab.topo.run("server", "wg", "show", lab.server.interface, "peers")) ?? "").contains(lab.bobKey)
    }

    /// bob's object in `tunnel peer list --json`.
    private func listed(_ lab: Lab) throws -> [String: Any] {
        let json = try tunnel(lab, ["peer", "list", "--json"])
        let rows = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        return try XCTUnwrap(rows.first { $0["name"] as? String == "bob" }, json)
    }

    private func number(_ row: [String: Any], _ key: String) -> UInt64 { (row[key] as? NSNumber)?.uint64Value ?? 0 }

    /// iperf3 for 5 s from bob to the internet host, as the receiver measured it (bits/s).
    private func iperfBitsPerSecond(_ lab: Lab, reverse: Bool) throws -> Double {
        var argv = ["iperf3", "-c", ServerLab.internet, "-J", "-t", "5"]
        if reverse { argv.append("-R") }
        let out = try lab.topo.run("client1", argv, timeout: 60)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let end = try XCTUnwrap(json["end"] as? [String: Any], out)
        let received = try XCTUnwrap(end["sum_received"] as? [String: Any], out)
        return try XCTUnwrap(received["bits_per_second"] as? NSNumber).doubleValue
    }

    /// `peer set bob --rate 20mbit`: TCP holds 15-20 Mbit/s each way (not a sawtooth at
    /// half); `--rate off` lifts it.
    func testRateCapHoldsForTCPBothWays() throws {
        let lab = try makeLab()
        _ = try lab.topo.spawn("internet", name: "iperf3", ["iperf3", "-s", "--forceflush"])
        XCTAssertTrue(lab.topo.waitUntil(timeout: 5) {
            (try? lab.topo.attempt("internet", ["ss", "-ltn", "sport = :5201"]).stdout.contains("5201")) == true
        })
        _ = try tunnel(lab, ["peer", "set", "bob", "--rate", "20mbit"])
        XCTAssertTrue(lab.topo.waitUntil(timeout: 5) { lab.server.log.contains("rate cap 20mbit") }, lab.server.log)

        let up = try iperfBitsPerSecond(lab, reverse: false)
        let down = try iperfBitsPerSecond(lab, reverse: true)
        print("rate cap 20mbit: upload \(up / 1e6) Mbit/s, download \(down / 1e6) Mbit/s")
        XCTAssertTrue((15e6...20.5e6).contains(up), "upload under a 20mbit cap: \(up / 1e6) Mbit/s")
        XCTAssertTrue((15e6...20.5e6).contains(down), "download under a 20mbit cap: \(down / 1e6) Mbit/s")
        let counters = try lab.topo.tunnelCounters("server", lab.server.interface)
        XCTAssertGreaterThan(counters["router_rate_limited"] ?? 0, 0, "the cap dropped some of the upload")
        let status = try lab.topo.run("server", [SystemTestEnvironment.tunnelBinary!, "status", lab.server.interface, "--json"])
        try validate(status)
        let peer = try statusPeer(status, key: lab.bobKey)
        XCTAssertEqual((peer["rate_bits"] as? NSNumber)?.uint64Value, 20_000_000, "\(peer)")
        XCTAssertEqual(peer["state"] as? String, "active")
        XCTAssertGreaterThan((peer["drops"] as? [String: Any])?["rate_limited"].flatMap { ($0 as? NSNumber)?.uint64Value } ?? 0, 0,
                             "the cap dropped some of the download: \(peer)")

        _ = try tunnel(lab, ["peer", "set", "bob", "--rate", "off"])
        XCTAssertTrue(lab.topo.waitUntil(timeout: 5) { lab.server.log.contains("rate cap off") }, lab.server.log)
        let free = try iperfBitsPerSecond(lab, reverse: true)
        print("rate cap off: download \(free / 1e6) Mbit/s")
        XCTAssertGreaterThan(free, 60e6, "without the cap")
    }

    /// `peer disable` ends a live session within 5 s and refuses the client's new
    /// handshakes; `peer enable` lets it back.
    func testDisableEndsALiveSessionAndEnableLetsItBack() throws {
        let lab = try makeLab()
        XCTAssertTrue(serverHasBob(lab))
        _ = try tunnel(lab, ["peer", "disable", "bob"])
        XCTAssertTrue(lab.topo.waitUntil(timeout: 5) { !serverHasBob(lab) }, "bob is off the device: \(lab.server.log)")
        XCTAssertTrue(cutOff(lab), "bob's pings stop")
        XCTAssertEqual(try listed(lab)["state"] as? String, "disabled")
        // Status still shows bob, off the device, and why; `wg show` (above) does not.
        let status = try lab.topo.run("server", [SystemTestEnvironment.tunnelBinary!, "status", lab.server.interface, "--json"])
        try validate(status)
        let peer = try statusPeer(status, key: lab.bobKey)
        XCTAssertEqual(peer["state"] as? String, "disabled", "\(peer)")
        XCTAssertEqual(peer["name"] as? String, "bob")
        let metrics = try lab.topo.run("server", [SystemTestEnvironment.tunnelBinary!, "status", lab.server.interface,
                                                  "--prometheus"])
        XCTAssertTrue(metrics.contains("name=\"bob\",state=\"disabled\"} 1\n"), metrics)
        XCTAssertTrue(metrics.contains("name=\"bob\",state=\"active\"} 0\n"), metrics)
        // wireguard-go tries a new handshake after REKEY_TIMEOUT (5 s): it gets silence.
        XCTAssertTrue(cutOff(lab) && cutOff(lab) && !serverHasBob(lab), "still cut off")

        _ = try tunnel(lab, ["peer", "enable", "bob"])
        XCTAssertTrue(reaches(lab), "bob is back: \(lab.server.log)")
        XCTAssertEqual(try listed(lab)["state"] as? String, "active")
    }

    /// bob's object in `tunnel status --json`.
    private func statusPeer(_ json: String, key: String) throws -> [String: Any] {
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let interfaces = try XCTUnwrap(doc["interfaces"] as? [[String: Any]])
        let peers = try XCTUnwrap(interfaces.first?["peers"] as? [[String: Any]])
        return try XCTUnwrap(peers.first { $0["public_key"] as? String == key }, json)
    }

    /// Against Docs/status.schema.json, with the validator StatusSystemTests uses.
    private func validate(_ json: String) throws {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let schema = tests.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Docs/status.schema.json").path
        let result = try Command.run(["python3", tests.appendingPathComponent("Schema/validate_schema.py").path, schema],
                                     input: json)
        XCTAssertEqual(result.status, 0, "the JSON validates against the schema: \(result.stderr)")
    }

    /// `--expires-in 5s` ends the session when the time comes; `--expires never` lets it back.
    func testExpiryEndsALiveSession() throws {
        let lab = try makeLab()
        _ = try tunnel(lab, ["peer", "set", "bob", "--expires-in", "5s"])
        let row = try listed(lab)
        XCTAssertEqual(row["state"] as? String, "active")
        XCTAssertNotNil(row["expires"] as? String)
        XCTAssertTrue(reaches(lab, within: 2), "still online before the expiry")
        XCTAssertTrue(lab.topo.waitUntil(timeout: 10) { !serverHasBob(lab) }, "expired: \(lab.server.log)")
        XCTAssertTrue(cutOff(lab))
        XCTAssertEqual(try listed(lab)["state"] as? String, "expired")
        _ = try tunnel(lab, ["peer", "set", "bob", "--expires", "never"])
        XCTAssertTrue(reaches(lab), "bob is back: \(lab.server.log)")
    }

    /// `--quota 1M`: a transfer past it ends the session (over-quota); `--reset-usage` and
    /// `--quota off` each let it back.
    func testQuotaEndsALiveSession() throws {
        let lab = try makeLab()
        _ = try tunnel(lab, ["peer", "set", "bob", "--quota", "1M"])
        XCTAssertEqual(number(try listed(lab), "quota_bytes"), 1_000_000)
        for round in ["--reset-usage", "--quota off"] {
            if round == "--quota off" { _ = try tunnel(lab, ["peer", "set", "bob", "--quota", "1M"]) }
            XCTAssertTrue(reaches(lab), "online under the quota (\(round))")
            // 1,500 pings of 1,400 bytes each way: about 4.3 MB through the tunnel, far past 1 MB.
            _ = try? lab.topo.attempt("client1", ["ping", "-q", "-c", "1500", "-s", "1400", "-i", "0.002", "-W", "1",
                                                  ServerLab.internet], timeout: 30)
            XCTAssertTrue(lab.topo.waitUntil(timeout: 5) { !serverHasBob(lab) }, "over quota: \(lab.server.log)")
            XCTAssertTrue(cutOff(lab))
            XCTAssertTrue(lab.topo.waitUntil(timeout: 10) { (try? listed(lab)["state"] as? String) == "over-quota" })
            let row = try listed(lab)
            XCTAssertGreaterThanOrEqual(number(row, "usage_bytes"), 1_000_000, "\(row)")
            // Checked every second: at most a second of a ping flood (~2 MB) past the quota.
            XCTAssertLessThan(number(row, "usage_bytes"), 4_000_000, "\(row)")
            _ = try tunnel(lab, ["peer", "set", "bob"] + round.split(separator: " ").map(String.init))
            XCTAssertTrue(reaches(lab), "bob is back after \(round): \(lab.server.log)")
        }
        XCTAssertEqual(try listed(lab)["quota_bytes"] is NSNull, true, "no quota left")
    }

    /// Counters last: what the server saved survives a SIGKILL (bounded by what bob's
    /// wireguard-go sent), `peer list` shows it with the server down, and a restarted
    /// server carries on from it.
    func testCountersSurviveSIGKILL() throws {
        let lab = try makeLab()
        _ = try lab.topo.spawn("internet", name: "iperf3", ["iperf3", "-s", "--forceflush"])
        XCTAssertTrue(lab.topo.waitUntil(timeout: 5) {
            (try? lab.topo.attempt("internet", ["ss", "-ltn", "sport = :5201"]).stdout.contains("5201")) == true
        })
        // The receiver's count: what iperf3's sender still buffered at the end is dropped.
        let received = try lab.topo.assertIperfThroughTunnel(from: "client1", to: ServerLab.internet, megabytes: 8)
        // The event: the server's next save (every 5 s) holds the upload (plus headers).
        var saved: [String: Any] = [:]
        XCTAssertTrue(try lab.topo.waitUntil(timeout: 12) {
            saved = try listed(lab)
            return number(saved, "rx_bytes") >= received
        }, "saved: \(saved), iperf3 received \(received)")
        lab.server.process.signal(SIGKILL)
        XCTAssertTrue(lab.topo.waitUntil(timeout: 5) { !lab.server.process.isRunning })
        let sentByBob = try bobTransfer(lab).sent
        let afterKill = try listed(lab)
        XCTAssertGreaterThanOrEqual(number(afterKill, "rx_bytes"), number(saved, "rx_bytes"), "nothing saved was lost")
        XCTAssertLessThanOrEqual(number(afterKill, "rx_bytes"), sentByBob, "never more than bob sent")
        XCTAssertGreaterThan(number(afterKill, "tx_bytes"), 0)

        try lab.server.restart()
        XCTAssertTrue(reaches(lab), "bob is back after the restart: \(lab.server.log)")
        let more = try lab.topo.assertIperfThroughTunnel(from: "client1", to: ServerLab.internet, megabytes: 8)
        // SIGTERM at once, most likely before the next periodic save: the exit's save has it.
        lab.server.process.stop()
        let final = try listed(lab)
        XCTAssertGreaterThanOrEqual(number(final, "rx_bytes"), number(afterKill, "rx_bytes") + more,
                                    "the totals carry on: before \(afterKill), now \(final)")
        // bob's wireguard-go ran throughout: its count covers both server runs.
        XCTAssertLessThanOrEqual(number(final, "rx_bytes"), try bobTransfer(lab).sent, "never more than bob sent")
    }

    /// What bob's wireguard-go counted (`wg show IFACE transfer`): received, sent.
    private func bobTransfer(_ lab: Lab) throws -> (received: UInt64, sent: UInt64) {
        let out = try lab.topo.run("client1", "wg", "show", lab.bob.interface, "transfer")
        let fields = try XCTUnwrap(out.split(separator: "\n").first?.split(separator: "\t"), out)
        XCTAssertEqual(fields.count, 3, out)
        return (UInt64(fields[1]) ?? 0, UInt64(fields[2]) ?? 0)
    }
}
