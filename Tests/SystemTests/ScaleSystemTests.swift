import Addresses
import Config
import Control
import Foundation
import Peers
import WireGuard
import XCTest

/// `tunnel server` with thousands of peers and a hostile control-socket client:
/// - a config reload (`tunnel peer add`) and `wg show` with 4,000 peers must not hold a
///   client's packets for more than 20 ms (the bound the hardening issue sets);
/// - 64 connections trickling a byte at a time must neither outlive their request's
///   deadline nor lock `wg show` out.
/// `testMeasureManyPeers` (`make scale-bench`; `make test` skips it) prints startup, RSS, reload
/// stall and `wg show` figures for 4,000 and 10,000 peers (for Docs/performance.md); it
/// asserts nothing about them.
final class ScaleSystemTests: XCTestCase {
    static let tools = ["wg", "ping", "python3"]
    static let manyPeers = 4000
    /// The bound on how long a reload or `wg show` may delay a client's packet.
    static let maxDelayMilliseconds = 20.0
    /// Windows (a reload and three `wg show`) of which one must stay under the bound.
    static let windows = 5
    static let showsPerWindow = 3
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
        XCTAssertEqual(server.configPath, path)
        XCTAssertTrue(topo.waitUntil(timeout: 120) { server.log.contains("server on ") || !server.process.isRunning },
                      server.log.suffix(2000).description)
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
        let client = try TunnelProcess(in: lab.topo, namespace: "client", keys: try WireGuardKeys.generate(), config: config)
        XCTAssertTrue(lab.topo.waitUntil(timeout: 20) {
            (try? lab.topo.attempt("client", ["ping", "-c", "1", "-W", "1", Self.serverAddress]).status) == 0
        }, lab.server.log.suffix(2000).description)
        return client
    }

    /// Pings through the tunnel every 5 ms while `during` runs; returns the largest
    /// round-trip time in milliseconds and how many replies came back.
    private func maxRoundTrip(_ lab: Lab, during: () throws -> Void) throws -> (maxMilliseconds: Double, replies: Int) {
        let ping = try lab.topo.spawn("client", name: "ping-\(UUID().uuidString.prefix(6))",
                                      ["ping", "-n", "-i", "0.005", "-W", "2", Self.serverAddress])
        XCTAssertTrue(lab.topo.waitUntil(timeout: 5) { ping.log.contains("icmp_seq=3 ") }, ping.log)
        try during()
        // Packets held by a stall that outlasts `during` count too: wait for replies to
        // packets sent after it (replies come back in order).
        let seen = Self.lastSequence(ping.log)
        XCTAssertTrue(lab.topo.waitUntil(timeout: 30) { Self.lastSequence(ping.log) >= seen + Self.trailingReplies }, ping.log.suffix(500).description)
        XCTAssertTrue(ping.isRunning, "the ping ran the whole time")
        ping.signal(SIGINT)
        _ = ping.wait(timeout: 5)
        return (try Self.maxRTT(ping.log), ping.log.components(separatedBy: " time=").count - 1)
    }

    static let trailingReplies = 40

    /// The highest icmp_seq answered so far.
    static func lastSequence(_ log: String) -> Int {
        log.components(separatedBy: "icmp_seq=").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }.max() ?? 0
    }

    /// "rtt min/avg/max/mdev = 0.1/0.2/0.3/0.0 ms" -> 0.3
    static func maxRTT(_ log: String) throws -> Double {
        let line = try XCTUnwrap(log.split(separator: "\n").first { $0.hasPrefix("rtt ") }, log.suffix(500).description)
        let values = try XCTUnwrap(line.split(separator: "=").last).split(separator: " ")[0].split(separator: "/")
        return try XCTUnwrap(Double(values[2]))
    }

    private func wgShow(_ lab: Lab) throws -> (seconds: Double, output: String) {
        let start = Date()
        let out = try lab.topo.run("server", ["wg", "show", lab.server.interface], timeout: 30)
        return (Date().timeIntervalSince(start), out)
    }

    /// Adds a peer through the config file and waits for the server's log to show it applied.
    private func reload(_ lab: Lab, adding name: String) throws {
        _ = try lab.server.addPeer(name, endpoint: "192.0.2.1:51820")
        XCTAssertTrue(lab.topo.waitUntil(timeout: 30) { lab.server.log.contains("peer \(name) added") }, lab.server.log.suffix(2000).description)
    }

    // MARK: tests

    func testReloadAndWgShowWithThousandsOfPeersDoNotStallTheDataPath() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let lab = try makeLab(peers: Self.manyPeers)
        _ = try startClient(lab)
        // Two cores shared with other work: under a load average of 5-7 a busy neighbour
        // alone holds a packet for 20-70 ms now and then. A stall of the server's own (the
        // old quadratic reload held packets 400-2200 ms, `wg show` 250-650 ms, every time)
        // shows in every window, so the bound must hold in one of up to five windows;
        // each is printed.
        var windows: [Double] = []
        for attempt in 1...Self.windows {
            var shows: [Double] = []
            let result = try maxRoundTrip(lab) {
                try reload(lab, adding: "bob\(attempt)")
                for _ in 0..<Self.showsPerWindow {
                    let show = try wgShow(lab)
                    XCTAssertEqual(show.output.components(separatedBy: "\npeer: ").count - 1, Self.manyPeers + 1 + attempt,
                                   "wg show lists every peer")
                    shows.append(show.seconds)
                }
            }
            print("scale: \(Self.manyPeers) peers, window \(attempt): startup \(lab.startupSeconds) s, max ping \(result.maxMilliseconds) ms over \(result.replies) replies, wg show \(shows) s")
            XCTAssertGreaterThan(result.replies, Self.trailingReplies, "the client's ping was answered throughout")
            windows.append(result.maxMilliseconds)
            if result.maxMilliseconds < Self.maxDelayMilliseconds { break }
        }
        XCTAssertLessThan(windows.min() ?? .infinity, Self.maxDelayMilliseconds,
                          "a reload and wg show with \(Self.manyPeers) peers held a client's packet too long in every window: \(windows) ms")
    }

    func testTricklingControlClientsDoNotLockOutWgShow() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let lab = try makeLab(peers: 3)
        let socketPath = "/var/run/wireguard/\(lab.server.interface).sock"
        let sockets = { Self.socketCount(pid: lab.server.process.pid) }
        let before = sockets()
        // 64 clients that send one byte of a request that never ends, every 0.5 s
        // (the issue saw one every 5 s hold the socket as well).
        let trickle = try lab.topo.spawn("server", name: "trickle", ["python3", "-c", Self.trickler, socketPath,
                                                                     "\(Self.controlConnections)", "0.5", "15"])
        XCTAssertTrue(lab.topo.waitUntil(timeout: 10) { trickle.log.contains("connected") }, trickle.log)
        XCTAssertTrue(lab.topo.waitUntil(timeout: 10) { sockets() >= before + Self.controlConnections },
                      "the server accepted all \(Self.controlConnections): \(sockets()) sockets, \(before) before")

        let show = try lab.topo.attempt("server", ["wg", "show", lab.server.interface], timeout: 10)
        XCTAssertEqual(show.status, 0, "wg show is answered while \(Self.controlConnections) clients trickle: \(show.stderr)")
        XCTAssertTrue(show.stdout.contains("listening port: 51820"), show.stdout)

        XCTAssertEqual(trickle.wait(timeout: 30), 0, trickle.log)
        let closedLine = try XCTUnwrap(trickle.log.split(separator: "\n").first { $0.hasPrefix("closed ") }, trickle.log)
        // "closed N of M, last after S s": every trickling client was closed by the server
        // (at its deadline, or one earlier to make room) while it kept sending.
        let words = closedLine.split(separator: " ")
        XCTAssertEqual(Int(words[1]), Self.controlConnections, trickle.log)
        XCTAssertLessThan(try XCTUnwrap(Double(words[6])), UAPILimits.standardRequestDeadlineSeconds + 2,
                          "closed at the request deadline, not when the clients stopped sending")
        XCTAssertTrue(lab.server.process.isRunning)
    }

    /// Sockets the process holds open (its control connections among them).
    static func socketCount(pid: Int32) -> Int {
        let dir = "/proc/\(pid)/fd"
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return fds.filter { ((try? FileManager.default.destinationOfSymbolicLink(atPath: "\(dir)/\($0)")) ?? "").hasPrefix("socket:") }.count
    }

    /// argv: socket path, connections, seconds between bytes, seconds to keep going.
    /// Prints "connected", then "closed N of M, last after S s" (S: when the last one
    /// was found closed, counted from connecting).
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

    // MARK: measurement (make scale-bench only)

    func testMeasureManyPeers() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        for peers in [4000, 10000] {
            let lab = try makeLab(peers: peers)
            let rss = Self.residentKilobytes(pid: lab.server.process.pid)
            _ = try startClient(lab)
            let idle = try maxRoundTrip(lab) {}
            let reload = try maxRoundTrip(lab) { try self.reload(lab, adding: "bob") }
            var shows: [Double] = []
            let show = try maxRoundTrip(lab) { for _ in 0..<3 { shows.append(try self.wgShow(lab).seconds) } }
            print(String(format: "scale-measure: %@ peers %d: startup %.2f s, RSS %d kB, idle max ping %.1f ms, reload max ping %.1f ms, wg show %.0f-%.0f ms (max ping meanwhile %.1f ms)",
                         SystemTestEnvironment.tunnelBinary ?? "?", peers, lab.startupSeconds, rss, idle.maxMilliseconds,
                         reload.maxMilliseconds, (shows.min() ?? 0) * 1000, (shows.max() ?? 0) * 1000, show.maxMilliseconds))
            lab.topo.teardown()
        }
    }

    static func residentKilobytes(pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
    }
}
