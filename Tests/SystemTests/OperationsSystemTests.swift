import Foundation
import TestSupport
import XCTest

/// What an operator's tools see of a running `tunnel`: systemd's notify protocol against
/// a notify socket the test owns (READY after the interface exists, STATUS lines that
/// follow the sessions, WATCHDOG pings, STOPPING on SIGTERM; a manager that stops reading
/// does not stall the data path), log lines for journald, and the Prometheus metrics of
/// `tunnel status --prometheus` and `--metrics` (HTTP, curl from inside the namespace),
/// read with python3-prometheus-client's parser.
final class OperationsSystemTests: XCTestCase {
    static let tools = ["ping", "curl", "python3"]
    /// 0.2 s: the reactor pings every 0.1 s.
    static let watchdogMicroseconds = "200000"
    static let metricsListen = "127.0.0.1:9586"

    // MARK: systemd notify

    func testNotifyReadyStatusWatchdogAndStoppingFromServerAndClient() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let topo = try Topology("client eth0 192.0.2.2/24 -- server eth0 192.0.2.1/24", test: self)
        let serverSocket = try NotifySocket(topo: topo, tag: "s")
        let server = try startServer(topo, environment: ["NOTIFY_SOCKET": serverSocket.path,
                                                         "WATCHDOG_USEC": Self.watchdogMicroseconds])

        let ready = try serverSocket.next(topo) { $0.hasPrefix("READY=1") }
        XCTAssertEqual(try topo.attempt("server", ["ip", "link", "show", server.interface]).status, 0,
                       "READY=1 comes after the interface exists")
        XCTAssertEqual(ready, "READY=1\nSTATUS=0 peers, 0 sessions")
        XCTAssertEqual(try serverSocket.next(topo) { $0 == "WATCHDOG=1" }, "WATCHDOG=1")
        XCTAssertEqual(try serverSocket.next(topo) { $0 == "WATCHDOG=1" }, "WATCHDOG=1", "the pings repeat")

        // From here the server's socket is not read for a while and its queue fills up, as
        // with a hung manager: the server's data path must go on regardless.
        let clientSocket = try NotifySocket(topo: topo, tag: "c")
        let clientConfig = try server.addPeer("alice", endpoint: "192.0.2.1:51820")
        let client = try TunnelProcess(in: topo, namespace: "client", keys: try WireGuardKeys.generate(),
                                       config: clientConfig, environment: ["NOTIFY_SOCKET": clientSocket.path])
        XCTAssertEqual(try clientSocket.next(topo) { $0.hasPrefix("READY=1") }, "READY=1\nSTATUS=1 peer, 0 sessions")
        XCTAssertTrue(topo.waitUntil(timeout: 15) {
            (try? topo.attempt("client", ["ping", "-c", "1", "-W", "1", "100.64.0.1"]).status) == 0
        }, client.log + server.log)
        // STATUS is refreshed every few seconds; the session shows up on both sides.
        XCTAssertEqual(try clientSocket.next(topo, timeout: 15) { $0 == "STATUS=1 peer, 1 session" },
                       "STATUS=1 peer, 1 session")
        XCTAssertEqual(try serverSocket.next(topo, timeout: 15) { $0 == "STATUS=1 peer, 1 session" },
                       "STATUS=1 peer, 1 session")
        XCTAssertFalse(clientSocket.received.contains("WATCHDOG=1"), "no WATCHDOG_USEC, no pings")

        server.process.signal(SIGTERM)
        XCTAssertEqual(try serverSocket.next(topo) { $0 == "STOPPING=1" }, "STOPPING=1")
        XCTAssertEqual(server.process.wait(timeout: 10), 0, server.log)
        client.process.signal(SIGTERM)
        XCTAssertEqual(try clientSocket.next(topo) { $0 == "STOPPING=1" }, "STOPPING=1")
        XCTAssertEqual(client.process.wait(timeout: 10), 0, client.log)
    }

    // MARK: journald

    /// Standard error is "the journal" when $JOURNAL_STREAM names its device and inode:
    /// here a file the test opened, as systemd would pass its stream socket.
    func testUnderTheJournalLinesHaveSyslogPrioritiesAndNoTimestamps() throws {
        try requireSystemTestPrerequisites(needsTunnelBinary: true)
        let topo = try Topology("client eth0 192.0.2.2/24 -- server eth0 192.0.2.1/24", test: self)
        let logURL = topo.logDirectory.appendingPathComponent("journal.log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        var info = stat()
        XCTAssertEqual(fstat(log.fileDescriptor, &info), 0)
        let name = topo.uniqueInterfaceName("jrn")
        let config = topo.logDirectory.appendingPathComponent("j.conf").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SystemTestEnvironment.toolPath("ip") ?? "/usr/sbin/ip")
        process.arguments = ["netns", "exec", topo.ns("server"), SystemTestEnvironment.tunnelBinary!, "server",
                             "--listen", "0.0.0.0:51820", "--config", config,
                             "--interface", name, "--nat", "off", "--log-level", "debug"]
        process.environment = ProcessInfo.processInfo.environment.merging(["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino)"]) { $1 }
        process.standardError = log
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        topo.onTeardown { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let running = "<6>tunnel.server: server on 0.0.0.0:51820, interface \(name), 0 peers, routed (--nat off)"
        func lines() -> [String] {
            ((try? String(contentsOf: logURL, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        // Then what is offloaded, which depends on the kernel.
        XCTAssertTrue(topo.waitUntil { lines().contains { $0.hasPrefix(running + ", offloads") } },
                      lines().joined(separator: "\n"))
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)

        let all = lines()
        XCTAssertTrue(all.contains { $0.hasPrefix("<5>tunnel.server: created \(config) with a new key") },
                      "the new config is a notice: \(all)")
        XCTAssertTrue(all.contains("<6>tunnel.server: interface \(name) removed, everything restored"), all.joined(separator: "\n"))
        for line in all {
            XCTAssertNotNil(line.range(of: #"^<[2-7]>tunnel\.[a-z]+: "#, options: .regularExpression), line)
            XCTAssertNil(line.range(of: #"\d{4}-\d{2}-\d{2}T"#, options: .regularExpression), "no timestamp of our own: \(line)")
        }
    }

    // MARK: metrics

    /// client (a `tunnel client`, full tunnel) -- server (NAT) -- internet: one ping to
    /// the server's tunnel address and three through the NAT, then the metrics of both
    /// ends: what one sent the other received, one peer with a session, one ICMP mapping.
    func testPrometheusMetricsFromStatusAndHTTPEndpoint() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        try requirePrometheusParser()
        let topo = try Topology("""
            client eth0 192.0.2.2/24 -- server eth0 192.0.2.1/24
            server eth1 198.51.100.1/24 -- internet eth0 198.51.100.2/24
            route client default via 192.0.2.1
            route server default via 198.51.100.2
            """, test: self)
        let started = Int(Date().timeIntervalSince1970)
        let server = try TunnelServerProcess(in: topo, namespace: "server",
                                             extraArguments: ["--metrics", Self.metricsListen])
        let clientKeys = try WireGuardKeys.generate()
        let client = try TunnelProcess(in: topo, namespace: "client", keys: clientKeys,
                                       config: try server.addPeer("alice", endpoint: "192.0.2.1:51820"),
                                       extraArguments: ["--metrics", Self.metricsListen])
        XCTAssertTrue(topo.waitUntil(timeout: 15) {
            (try? topo.attempt("client", ["ping", "-c", "1", "-W", "1", "100.64.0.1"]).status) == 0
        }, client.log)
        try topo.run("client", "ping", "-c", "3", "-i", "0.2", "-W", "2", "198.51.100.2")

        let serverMetrics = try metrics(topo, "server", interface: server.interface)
        let clientMetrics = try metrics(topo, "client", interface: client.interface)
        let serverKey = try XCTUnwrap(serverMetrics.labels("tunnel_interface_info")?["public_key"])
        let alice = ["interface": server.interface, "public_key": clientMetrics.publicKey(client.interface) ?? "?",
                     "name": "alice"]
        let serverPeer = ["interface": client.interface, "public_key": serverKey]

        XCTAssertEqual(serverMetrics.type("wireguard_sent_bytes"), "counter")
        XCTAssertEqual(serverMetrics.type("wireguard_latest_handshake_seconds"), "gauge")
        XCTAssertEqual(serverMetrics.value("tunnel_peers", ["interface": server.interface]), 1)
        XCTAssertEqual(serverMetrics.value("tunnel_sessions", ["interface": server.interface]), 1)
        XCTAssertEqual(clientMetrics.value("tunnel_peers", ["interface": client.interface]), 1)
        XCTAssertEqual(serverMetrics.value("tunnel_handshakes_total", ["interface": server.interface]), 1)
        XCTAssertEqual(clientMetrics.value("tunnel_handshakes_total", ["interface": client.interface]), 1)
        XCTAssertEqual(serverMetrics.value("tunnel_cookie_replies_sent_total", ["interface": server.interface]), 0)
        XCTAssertEqual(serverMetrics.value("tunnel_nat_mappings", ["interface": server.interface, "protocol": "icmp"]), 1)
        XCTAssertEqual(serverMetrics.value("tunnel_nat_mappings", ["interface": server.interface, "protocol": "tcp"]), 0)
        XCTAssertEqual(serverMetrics.value("tunnel_nat_mappings", ["interface": server.interface, "protocol": "udp"]), 0)
        XCTAssertEqual(serverMetrics.value("tunnel_nat_dropped_packets_total",
                                           ["interface": server.interface, "reason": "table_full"]), 0)
        XCTAssertEqual(serverMetrics.value("tunnel_peer_dropped_packets_total", alice.merging(["reason": "replay"]) { $1 }), 0)

        // Both ends count the same datagrams (between the two scrapes only a keepalive could
        // pass, and none is due for 25 s).
        let sentByClient = try XCTUnwrap(clientMetrics.value("wireguard_sent_bytes_total", serverPeer))
        let receivedByClient = try XCTUnwrap(clientMetrics.value("wireguard_received_bytes_total", serverPeer))
        XCTAssertEqual(serverMetrics.value("wireguard_received_bytes_total", alice), sentByClient)
        XCTAssertEqual(serverMetrics.value("wireguard_sent_bytes_total", alice), receivedByClient)
        // 4 echo replies of 84 bytes: padded to 96, plus 32 of header and tag, at least.
        XCTAssertGreaterThanOrEqual(receivedByClient, 4 * 128)
        let handshake = try XCTUnwrap(serverMetrics.value("wireguard_latest_handshake_seconds", alice))
        XCTAssertTrue((Double(started)...Date().timeIntervalSince1970 + 1).contains(handshake), "\(handshake)")
        // How many initiations it took depends on when the server picked alice up; none failed on its side.
        XCTAssertEqual(serverMetrics.value("tunnel_peer_handshakes_failed_total", alice), 0)
        XCTAssertNotNil(clientMetrics.value("tunnel_peer_handshake_initiations_sent_total", serverPeer))

        // The HTTP endpoint serves the same document as `tunnel status --prometheus`.
        let page = try topo.run("server", ["curl", "-s", "-D", "-", "http://\(Self.metricsListen)/metrics"])
        XCTAssertTrue(page.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8"), page)
        let body = try XCTUnwrap(page.components(separatedBy: "\r\n\r\n").dropFirst().first)
        XCTAssertEqual(try PrometheusSamples(parsing: body, topo: topo), serverMetrics)
        let clientPage = try topo.run("client", ["curl", "-s", "--fail", "http://\(Self.metricsListen)/metrics"])
        XCTAssertEqual(try PrometheusSamples(parsing: clientPage, topo: topo), clientMetrics)
        let missing = try topo.attempt("server", ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                                  "http://\(Self.metricsListen)/other"])
        XCTAssertEqual(missing.stdout, "404")
    }

    func testMetricsAddressInUseFailsWithOneLineAndLeavesNothing() throws {
        try requireSystemTestPrerequisites(tools: ["socat"], needsTunnelBinary: true)
        let topo = try Topology("client eth0 192.0.2.2/24 -- server eth0 192.0.2.1/24", test: self)
        let blocker = try topo.spawn("server", name: "blocker", ["socat", "TCP-LISTEN:9586,bind=127.0.0.1,fork", "-"])
        XCTAssertTrue(topo.waitUntil { (try? topo.attempt("server", ["ss", "-Htln", "sport = :9586"]).stdout.isEmpty) == false },
                      blocker.log)
        let config = topo.logDirectory.appendingPathComponent("refused.conf").path
        let name = topo.uniqueInterfaceName("ref")
        let result = try topo.attempt("server", [SystemTestEnvironment.tunnelBinary!, "server", "--listen", "0.0.0.0:51820",
                                                 "--config", config, "--nat", "off", "--interface", name,
                                                 "--metrics", Self.metricsListen])
        XCTAssertEqual(result.status, 1)
        let lines = result.stderr.split(separator: "\n").filter { $0.contains("cannot listen") }
        XCTAssertEqual(lines.count, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("--metrics \(Self.metricsListen): cannot listen"), result.stderr)
        XCTAssertEqual(lines.count, result.stderr.split(separator: "\n").count, "the one line is all: \(result.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: config), "refused before the config file is written")
        XCTAssertNotEqual(try topo.attempt("server", ["ip", "link", "show", name]).status, 0, "interface removed")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/var/run/wireguard/\(name).sock"))
    }

    /// What issue #24 found with the old HTTP server, against the running binary: four
    /// 1 MiB header lines without a newline and 1,100 idle connections (more than the
    /// default descriptor limit) at the metrics endpoint. While they are held, traffic
    /// through the tunnel and a scrape still work, and the whole attack costs the server
    /// under 2 s of CPU (the old server spent minutes on it and then stopped accepting).
    func testMetricsEndpointUnderAttackKeepsAnsweringAndCostsNoCPU() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        try requirePrometheusParser()
        let topo = try Topology("client eth0 192.0.2.2/24 -- server eth0 192.0.2.1/24", test: self)
        let server = try TunnelServerProcess(in: topo, namespace: "server",
                                             extraArguments: ["--nat", "off", "--metrics", Self.metricsListen])
        let client = try TunnelProcess(in: topo, namespace: "client", keys: try WireGuardKeys.generate(),
                                       config: try server.addPeer("alice", endpoint: "192.0.2.1:51820"))
        XCTAssertTrue(topo.waitUntil(timeout: 15) {
            (try? topo.attempt("client", ["ping", "-c", "1", "-W", "1", "100.64.0.1"]).status) == 0
        }, client.log)
        let cpuBefore = try Self.cpuTicks(pid: server.process.pid)

        let release = topo.logDirectory.appendingPathComponent("release-attacker").path
        let attacker = try topo.spawn("server", name: "attacker", [PrometheusSamples.python, "-c", Self.attack, release])
        XCTAssertTrue(topo.waitUntil(timeout: 120) { attacker.log.contains("ready") || !attacker.isRunning }, attacker.log)
        XCTAssertTrue(attacker.isRunning, attacker.log)

        try topo.run("client", "ping", "-c", "3", "-i", "0.2", "-W", "2", "100.64.0.1")
        let page = try topo.run("server", ["curl", "-s", "--fail", "-m", "10", "http://\(Self.metricsListen)/metrics"])
        XCTAssertEqual(try PrometheusSamples(parsing: page, topo: topo).value("tunnel_peers", ["interface": server.interface]), 1)

        FileManager.default.createFile(atPath: release, contents: nil)
        XCTAssertEqual(attacker.wait(timeout: 30), 0, attacker.log)
        let cpu = try Self.cpuTicks(pid: server.process.pid) - cpuBefore
        XCTAssertLessThan(cpu, 2 * Self.ticksPerSecond, "the attack cost the server \(cpu) ticks of CPU")
        XCTAssertFalse(server.log.contains("accept failed"), server.log)
        XCTAssertTrue(server.process.isRunning)
    }

    /// 4 connections that each send 1 MiB of one header line, then 1,100 that send nothing;
    /// prints "ready" and holds them until the file named by argv[1] exists.
    static let attack = """
        import os, resource, socket, sys, time
        resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
        held = []
        for _ in range(4):
            s = socket.create_connection(("127.0.0.1", 9586))
            s.settimeout(10)
            try:
                s.sendall(b"GET /metrics HTTP/1.1\\r\\nX-Long: " + b"a" * (1 << 20))
            except OSError:
                pass
            held.append(s)
        held += [socket.create_connection(("127.0.0.1", 9586)) for _ in range(1100)]
        print("ready", flush=True)
        while not os.path.exists(sys.argv[1]):
            time.sleep(0.05)
        """

    static let ticksPerSecond = Int(sysconf(Int32(_SC_CLK_TCK)))

    /// utime + stime of a process, in clock ticks (/proc/PID/stat fields 14 and 15).
    static func cpuTicks(pid: Int32) throws -> Int {
        // Read to the end: /proc files report a size of 0.
        let file = try XCTUnwrap(FileHandle(forReadingAtPath: "/proc/\(pid)/stat"))
        defer { try? file.close() }
        let stat = String(decoding: file.readDataToEndOfFile(), as: UTF8.self)
        // The command name (field 2) may hold spaces; the fields after it start past ")".
        let rest = stat[stat.index(after: try XCTUnwrap(stat.lastIndex(of: ")")))...].split(separator: " ")
        return try XCTUnwrap(Int(rest[11])) + XCTUnwrap(Int(rest[12]))
    }

    // MARK: helpers

    private func startServer(_ topo: Topology, environment: [String: String]) throws -> TunnelServerProcess {
        try TunnelServerProcess(in: topo, namespace: "server", extraArguments: ["--nat", "off"], environment: environment)
    }

    /// `tunnel status --prometheus` in a namespace, parsed.
    private func metrics(_ topo: Topology, _ ns: String, interface: String) throws -> PrometheusSamples {
        let text = try topo.run(ns, [SystemTestEnvironment.tunnelBinary!, "status", interface, "--prometheus"])
        return try PrometheusSamples(parsing: text, topo: topo)
    }

    private func requirePrometheusParser() throws {
        let r = try Command.run([PrometheusSamples.python, "-c", "import prometheus_client.parser"])
        if r.status != 0 {
            try requireSystemTestPrerequisites(tools: ["python3-prometheus-client (apt)"])
        }
    }
}

/// The samples of a Prometheus text document as python3-prometheus-client's parser reads
/// them (a document it rejects fails the test).
struct PrometheusSamples: Equatable {
    struct Sample: Equatable {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    /// Family name (without _total for counters, as the parser names them) to type.
    let types: [String: String]
    let samples: [Sample]

    /// Debian's python3, which sees python3-prometheus-client (another python3 first in
    /// PATH, pyenv's say, would not).
    static let python = FileManager.default.fileExists(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"

    static let parser = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        out = []
        for f in text_string_to_metric_families(sys.stdin.read()):
            out.append({"name": f.name, "type": f.type,
                        "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples]})
        print(json.dumps(out))
        """

    init(parsing text: String, topo: Topology) throws {
        let json = try Command.check([Self.python, "-c", Self.parser], input: text)
        let families = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        var types: [String: String] = [:]
        var samples: [Sample] = []
        for f in families {
            types[f["name"] as? String ?? ""] = f["type"] as? String
            for s in f["samples"] as? [[String: Any]] ?? [] {
                samples.append(Sample(name: s["name"] as? String ?? "", labels: s["labels"] as? [String: String] ?? [:],
                                      value: (s["value"] as? NSNumber)?.doubleValue ?? .nan))
            }
        }
        self.types = types
        self.samples = samples
    }

    func type(_ family: String) -> String? { types[family] }

    /// The one sample of `name` whose labels are exactly `labels`.
    func value(_ name: String, _ labels: [String: String]) -> Double? {
        let matching = samples.filter { $0.name == name && $0.labels == labels }
        return matching.count == 1 ? matching[0].value : nil
    }

    /// The labels of the first sample of `name`.
    func labels(_ name: String) -> [String: String]? { samples.first { $0.name == name }?.labels }

    /// The interface's own public key (from tunnel_interface_info).
    func publicKey(_ interface: String) -> String? {
        samples.first { $0.name == "tunnel_interface_info" && $0.labels["interface"] == interface }?.labels["public_key"]
    }
}

/// A unix datagram socket standing in for systemd's: the tunnel sends its sd_notify
/// messages here. Removed at teardown.
final class NotifySocket {
    let path: String
    private let fd: Int32
    private(set) var received: [String] = []
    private var consumed = 0

    init(topo: Topology, tag: String) throws {
        // sun_path holds 108 bytes: a short name in /tmp, unique per run.
        let path = "/tmp/tn-notify-\(getpid())-\(tag)-\(UInt32.random(in: 0...UInt32.max)).sock"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw MissingPrerequisite(description: "socket(AF_UNIX): errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            close(fd)
            throw MissingPrerequisite(description: "bind \(path): errno \(errno)")
        }
        self.path = path
        self.fd = fd
        topo.onTeardown {
            close(fd)
            unlink(path)
        }
    }

    /// The first message not looked at yet that satisfies `condition` (earlier ones are
    /// passed over); fails the wait after `timeout` seconds.
    func next(_ topo: Topology, timeout: TimeInterval = 10, where condition: (String) -> Bool) throws -> String {
        var found: String?
        _ = topo.waitUntil(timeout: timeout) {
            drain()
            while consumed < received.count {
                let message = received[consumed]
                consumed += 1
                if condition(message) {
                    found = message
                    return true
                }
            }
            return false
        }
        guard let found else {
            throw CommandFailed(command: ["notify socket \(path)"], status: -1,
                                output: "no matching message; got: \(received)")
        }
        return found
    }

    /// Reads every message waiting on the socket into `received`.
    func drain() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard n > 0 else { return }
            received.append(String(decoding: buffer.prefix(n), as: UTF8.self))
        }
    }
}
