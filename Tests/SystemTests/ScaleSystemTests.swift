import Addresses
import Config
import Control
import Foundation
import Peers
import WireGuard
import XCTest

/// `tunnel server` with thousands of peers and a hostile control-socket client:
/// - while a config reload (`tunnel peer add`) and `wg show` run with 4,000 peers, a
///   client's ping every 5 ms is answered, every one, in order, through the tunnel, and the
///   client's session is the one it had before (the reload left it alone);
/// - 64 connections trickling a byte at a time are all closed by the server while they
///   still send, and `wg show` is answered meanwhile.
/// No test here times anything. How long a reload or `wg show` holds a packet is a
/// figure: `testMeasureManyPeers` (`make scale-bench`; `make test` skips it) prints startup,
/// RSS, reload stall, `wg show` and `tunnel status` figures for 1,000, 4,000 and 10,000 peers (Docs/performance.md)
/// and asserts nothing.
final class ScaleSystemTests: XCTestCase {
    static let tools = ["wg", "ping", "python3"]
    static let manyPeers = 4000
    /// `wg show` runs while the client pings.
    static let shows = 3
    /// As many clients as the control socket serves at once.
    static let controlConnections = UAPILimits.standard.maxConnections
    static let serverAddress = "100.64.0.1"

    struct Lab {
        let topo: Topology
        let server: TunnelServerProcess
        let startupSeconds: Double
    }

    /// A server whose config file already holds `peers` peers (100.64.x.y/32 each) when it
    /// starts; returns once its log says it serves (all peers applied).
    private func makeLab(peers: Int) throws -> Lab {
        let topo = try Topology("""
            client eth0 192.0.2.2/24 -- server eth0 192.0.2.1/24
            """, test: self)
        // TunnelServerProcess names its interface and config file this way.
        let interface = topo.uniqueInterfaceName("s" + "server".prefix(3))
        let path = topo.logDirectory.appendingPathComponent("server-\(interface).conf").path
        try ServerConfigFile.save(ScaleSystemTests.config(peers: peers), path: path)
        let started = Date()
        let server = try TunnelServerProcess(in: topo, namespace: "server", addresses: ["\(Self.serverAddress)/16"],
                                             extraArguments: ["--nat", "off"])
        guard server.configPath == path,
              topo.waitUntil(timeout: 120, { server.log.contains("server on ") || !server.process.isRunning }),
              server.process.isRunning else {
            throw CommandFailed(command: ["tunnel", "server"], status: -1, output: server.log)
        }
        return Lab(topo: topo, server: server, startupSeconds: Date().timeIntervalSince(started))
    }

    /// A server config with `peers` peers with fresh keys (X25519 from the WireGuard module:
    /// thousands of `tunnel pubkey` runs would take minutes). Unnamed, so that 10,000 fit
    /// in the 1 MiB an older `tunnel` accepted (for before/after figures).
    static func config(peers: Int) -> WireGuardConfig {
        var config = ServerConfigFile.newConfig(listen: Endpoint("0.0.0.0:51820")!,
                                                addresses: [try! IPPrefix(parsing: "\(serverAddress)/16")])
        config.peers = (0..<peers).map { i in
            let host = UInt32(i + 2)
            let address = IPPrefix(address: .v4(IPv4Address(100, 64, UInt8(host >> 8), UInt8(host & 0xff))), length: 32)
            return PeerSection(publicKey: X25519.publicKey(for: X25519.generatePrivateKey()),
                               allowedIPs: [address])
        }
        return config
    }

    /// `tunnel client` in the client namespace, added with `tunnel peer add`, pinging the
    /// server's tunnel address once.
    private func startClient(_ lab: Lab) throws -> TunnelProcess {
        let config = try lab.server.addPeer("alice", endpoint: "192.0.2.1:51820")
        let privateKey = try XCTUnwrap(config.split(separator: "\n").first { $0.hasPrefix("PrivateKey") }?
            .split(separator: "=", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces), config)
        let keys = WireGuardKeys(privateKey: privateKey, publicKey: try Command.check(["wg", "pubkey"], input: privateKey + "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines))
        let client = try TunnelProcess(in: lab.topo, namespace: "client", keys: keys, config: config)
        guard lab.topo.waitUntil(timeout: 20, {
            (try? lab.topo.attempt("client", ["ping", "-c", "1", "-W", "1", Self.serverAddress]).status) == 0
        }) else {
            throw CommandFailed(command: ["ping", Self.serverAddress], status: -1, output: lab.server.log + client.log)
        }
        return client
    }

    /// What a ping every 5 ms through the tunnel saw while `during` ran.
    struct PingRecord {
        /// ping's output (`-n`, one line per reply, then its summary).
        let log: String
        /// The first replies came before `during` began.
        let startedBefore: Bool
        /// `trailingReplies` more came after it ended.
        let trailedAfter: Bool
        /// The client's TUN counters (packets) over the whole run.
        let tunnelSent: UInt64
        let tunnelReceived: UInt64

        /// icmp_seq of each reply, in the order they came.
        var answered: [Int] {
            log.split(separator: "\n").compactMap { line -> Int? in
                guard let field = line.split(separator: " ").first(where: { $0.hasPrefix("icmp_seq=") }) else { return nil }
                return Int(field.dropFirst("icmp_seq=".count))
            }
        }

        /// "N packets transmitted" from ping's summary.
        var transmitted: Int? {
            log.split(separator: "\n").first { $0.contains(" packets transmitted") }
                .flatMap { Int($0.split(separator: " ")[0]) }
        }

        /// The largest round trip in milliseconds ("rtt min/avg/max/mdev = a/b/c/d ms" -> c).
        var maxMilliseconds: Double? {
            guard let line = log.split(separator: "\n").first(where: { $0.hasPrefix("rtt ") }),
                  let values = line.split(separator: "=").last?.split(separator: " ").first?.split(separator: "/"),
                  values.count == 4 else { return nil }
            return Double(values[2])
        }
    }

    /// Replies waited for after `during`: a packet a stall held is answered before them.
    static let trailingReplies = 40

    /// Pings the server's tunnel address every 5 ms from the client, from the third reply
    /// until `trailingReplies` replies after `during` returned; waits for events only.
    private func pingThroughout(_ lab: Lab, _ client: TunnelProcess, during: () throws -> Void) throws -> PingRecord {
        let before = try lab.topo.linkPackets("client", client.interface)
        let ping = try lab.topo.spawn("client", name: "ping-\(UUID().uuidString.prefix(6))",
                                      ["ping", "-n", "-i", "0.005", "-W", "2", Self.serverAddress])
        let started = lab.topo.waitUntil(timeout: 10) { ping.log.contains("icmp_seq=3 ") }
        try during()
        let seen = Self.lastSequence(ping.log)
        let trailed = lab.topo.waitUntil(timeout: 30) { Self.lastSequence(ping.log) >= seen + Self.trailingReplies }
        ping.signal(SIGINT)
        _ = ping.wait(timeout: 5)
        let after = try lab.topo.linkPackets("client", client.interface)
        return PingRecord(log: ping.log, startedBefore: started, trailedAfter: trailed,
                          tunnelSent: after.tx - before.tx, tunnelReceived: after.rx - before.rx)
    }

    /// The highest icmp_seq answered so far.
    static func lastSequence(_ log: String) -> Int {
        log.components(separatedBy: "icmp_seq=").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }.max() ?? 0
    }

    private func wgShow(_ lab: Lab) throws -> (seconds: Double, output: String) {
        let start = Date()
        let out = try lab.topo.run("server", ["wg", "show", lab.server.interface], timeout: 60)
        return (Date().timeIntervalSince(start), out)
    }

    /// The wall time of `tunnel status IFACE` on the server.
    private func tunnelStatus(_ lab: Lab) throws -> Double {
        let start = Date()
        _ = try lab.topo.run("server", [SystemTestEnvironment.tunnelBinary!, "status", lab.server.interface], timeout: 60)
        return Date().timeIntervalSince(start)
    }

    /// Adds a peer through the config file; true once the server's log shows it applied.
    private func reload(_ lab: Lab, adding name: String) throws -> Bool {
        _ = try lab.server.addPeer(name, endpoint: "192.0.2.1:51820")
        return lab.topo.waitUntil(timeout: 30) { lab.server.log.contains("peer \(name) added") }
    }

    /// `wg show IFACE latest-handshakes` on the server, for one peer.
    private func latestHandshake(_ lab: Lab, of publicKey: String) throws -> String? {
        try lab.topo.run("server", ["wg", "show", lab.server.interface, "latest-handshakes"], timeout: 60)
            .split(separator: "\n").first { $0.hasPrefix(publicKey + "\t") }.map(String.init)
    }

    // MARK: tests

    func testEveryPingIsAnsweredWhileAReloadAndWgShowRunWithThousandsOfPeers() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let lab = try makeLab(peers: Self.manyPeers)
        let client = try startClient(lab)
        let handshakeBefore = try XCTUnwrap(try latestHandshake(lab, of: client.keys.publicKey),
                                            "alice is a peer: \(client.keys.publicKey)")
        var listed: [Int] = []
        var applied = false
        let record = try pingThroughout(lab, client) {
            applied = try reload(lab, adding: "bob")
            for _ in 0..<Self.shows {
                listed.append(try wgShow(lab).output.components(separatedBy: "\npeer: ").count - 1)
            }
        }
        XCTAssertTrue(applied, "the server applied the added peer: \(lab.server.log.suffix(2000))")
        XCTAssertEqual(listed, Array(repeating: Self.manyPeers + 2, count: Self.shows),
                       "each wg show listed every peer: \(Self.manyPeers), alice and bob")
        XCTAssertTrue(record.startedBefore && record.trailedAfter,
                      "replies came before and \(Self.trailingReplies) after the reload and wg show: \(record.log.suffix(500))")
        // Every request answered, in the order sent: the reload touched neither alice's
        // session nor the packets in flight (a reload that reset her session, or a queue
        // that dropped what it held, leaves a gap).
        let answered = record.answered
        XCTAssertGreaterThan(answered.count, Self.trailingReplies, record.log.suffix(500).description)
        XCTAssertEqual(answered, Array(1...max(answered.last ?? 1, 1)), "no request lost or reordered: \(record.log.suffix(800))")
        // (The requests still in flight when ping was stopped go unanswered: that is ping's
        // end, after the last answered one.)
        let transmitted = try XCTUnwrap(record.transmitted, record.log.suffix(300).description)
        XCTAssertGreaterThanOrEqual(transmitted, answered.count)
        // The requests and replies crossed the tunnel: the client's TUN carried each of them.
        XCTAssertGreaterThanOrEqual(record.tunnelSent, UInt64(transmitted), "requests into the tunnel")
        XCTAssertGreaterThanOrEqual(record.tunnelReceived, UInt64(answered.count), "replies out of the tunnel")
        XCTAssertEqual(try latestHandshake(lab, of: client.keys.publicKey), handshakeBefore,
                       "alice's session is the one from before the reload")
        XCTAssertTrue(lab.server.process.isRunning, lab.server.log.suffix(2000).description)
    }

    func testTricklingControlClientsAreClosedAndDoNotLockOutWgShow() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let lab = try makeLab(peers: 3)
        let socketPath = "/var/run/wireguard/\(lab.server.interface).sock"
        let sockets = { Self.socketCount(pid: lab.server.process.pid) }
        let before = sockets()
        // 64 clients that send one byte of a request that never ends, every 0.5 s
        // (the issue saw one every 5 s hold the socket as well), for up to 60 s.
        let trickle = try lab.topo.spawn("server", name: "trickle", ["python3", "-c", Self.trickler, socketPath,
                                                                     "\(Self.controlConnections)", "0.5", "60"])
        XCTAssertTrue(lab.topo.waitUntil(timeout: 10) { trickle.log.contains("connected") }, trickle.log)
        XCTAssertTrue(lab.topo.waitUntil(timeout: 10) { sockets() >= before + Self.controlConnections },
                      "the server accepted all \(Self.controlConnections): \(sockets()) sockets, \(before) before")

        let show = try lab.topo.attempt("server", ["wg", "show", lab.server.interface], timeout: 10)
        XCTAssertEqual(show.status, 0, "wg show is answered while \(Self.controlConnections) clients trickle: \(show.stderr)")
        XCTAssertTrue(show.stdout.contains("listening port: 51820"), show.stdout)
        XCTAssertEqual(show.stdout.components(separatedBy: "\npeer: ").count - 1, 3, "and lists the three peers")

        // The trickler stops when every connection was closed on it or after 60 s; it
        // sends a byte on each open one every 0.5 s until then, so a close is the server's.
        XCTAssertEqual(trickle.wait(timeout: 90), 0, trickle.log)
        let closedLine = try XCTUnwrap(trickle.log.split(separator: "\n").first { $0.hasPrefix("closed ") }, trickle.log)
        XCTAssertEqual(closedLine.split(separator: " ").prefix(4).joined(separator: " "),
                       "closed \(Self.controlConnections) of \(Self.controlConnections),",
                       "the server closed every trickling client while it still sent: \(trickle.log)")
        XCTAssertTrue(lab.topo.waitUntil(timeout: 10) { sockets() == before },
                      "the server let go of every connection: \(sockets()) sockets, \(before) before")
        XCTAssertTrue(lab.server.process.isRunning)
    }

    /// Sockets the process holds open (its control connections among them).
    static func socketCount(pid: Int32) -> Int {
        let dir = "/proc/\(pid)/fd"
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return fds.filter { ((try? FileManager.default.destinationOfSymbolicLink(atPath: "\(dir)/\($0)")) ?? "").hasPrefix("socket:") }.count
    }

    /// argv: socket path, connections, seconds between bytes, seconds to keep going at most.
    /// Prints "connected", then "closed N of M, last after S s" (S: when the last one
    /// was found closed, counted from connecting; printed for a person, not asserted).
    static let trickler = """
        import socket, sys, time
        path, count, interval, duration = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
        conns = []
        for _ in range(count):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            s.send(b"g")
            conns.append(s)
        start = time.monotonic()
        print("connected", flush=True)
        closed, last = set(), 0.0
        while time.monotonic() - start < duration and len(closed) < count:
            time.sleep(interval)
            for i, s in enumerate(conns):
                if i in closed:
                    continue
                try:
                    s.setblocking(False)
                    try:
                        gone = s.recv(64) == b""
                    except BlockingIOError:
                        gone = False
                    if not gone:
                        s.send(b"e")
                except OSError:
                    gone = True
                if gone:
                    closed.add(i)
                    last = time.monotonic() - start
        print(f"closed {len(closed)} of {count}, last after {last:.2f} s", flush=True)
        """

    // MARK: bench (make scale-bench only)

    /// A bench, not a test: prints startup, RSS, the largest ping round trip idle, during a
    /// reload, during three `wg show`s and three `tunnel status`, and their times, for
    /// 1,000, 4,000 and 10,000 peers. It asserts nothing; a run that could not measure says so in its line.
    func testMeasureManyPeers() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        func figure(_ record: PingRecord) -> String {
            guard let ms = record.maxMilliseconds else { return "n/a" }
            let complete = record.startedBefore && record.trailedAfter ? "" : " (incomplete window)"
            return String(format: "%.1f ms%@", ms, complete)
        }
        for peers in [1000, 4000, 10000] {
            let lab = try makeLab(peers: peers)
            let rss = Self.residentKilobytes(pid: lab.server.process.pid)
            let client = try startClient(lab)
            let idle = try pingThroughout(lab, client) {}
            var applied = false
            let reload = try pingThroughout(lab, client) { applied = try self.reload(lab, adding: "bob") }
            var shows: [Double] = []
            let show = try pingThroughout(lab, client) { for _ in 0..<Self.shows { shows.append(try self.wgShow(lab).seconds) } }
            var statuses: [Double] = []
            let status = try pingThroughout(lab, client) { for _ in 0..<Self.shows { statuses.append(try self.tunnelStatus(lab)) } }
            let rssAfter = Self.residentKilobytes(pid: lab.server.process.pid)
            print(String(format: "scale-measure: %@ peers %d: startup %.2f s, RSS %d kB (%d kB at the end), idle max ping %@, reload max ping %@%@, wg show %.0f-%.0f ms (max ping meanwhile %@), tunnel status %.0f-%.0f ms (max ping meanwhile %@)",
                         SystemTestEnvironment.tunnelBinary ?? "?", peers, lab.startupSeconds, rss, rssAfter, figure(idle),
                         figure(reload), applied ? "" : " (reload not seen in the log)",
                         (shows.min() ?? 0) * 1000, (shows.max() ?? 0) * 1000, figure(show),
                         (statuses.min() ?? 0) * 1000, (statuses.max() ?? 0) * 1000, figure(status)))
            lab.topo.teardown()
        }
    }

    static func residentKilobytes(pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
    }
}
