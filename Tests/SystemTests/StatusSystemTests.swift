import Config
import Foundation
import XCTest

/// A `tunnel client` against wireguard-go, seen and changed through its control socket:
/// Debian's `wg show`, `wg showconf` and `wg set`; `tunnel status` and `--json` (checked
/// against Docs/status.schema.json); garbage on the socket; deleting the socket.
final class StatusSystemTests: XCTestCase {
    static let tools = ["wg", "wireguard-go", "ping", "python3"]
    static let socketDirectory = "/var/run/wireguard"

    struct Setup {
        let topo: Topology
        let server: WireGuardGoPeer
        let client: TunnelProcess
        var socketPath: String { "\(StatusSystemTests.socketDirectory)/\(client.interface).sock" }
    }

    /// client 100.64.0.2 -- server (wireguard-go, 100.64.0.1 and 100.64.0.3); the client
    /// routes 100.64.0.0/24 into the tunnel.
    private func makeSetup(beforeClient: (Topology) throws -> Void = { _ in }) throws -> Setup {
        let topo = try Topology("client eth0 192.0.2.2/24 -- server eth0 192.0.2.1/24", test: self)
        let serverKeys = try WireGuardKeys.generate(), clientKeys = try WireGuardKeys.generate()
        let server = try WireGuardGoPeer(in: topo, namespace: "server", keys: serverKeys, listenPort: 51820,
                                         addresses: ["100.64.0.1/24", "100.64.0.3/24"])
        try server.addPeer(publicKey: clientKeys.publicKey, endpoint: nil, allowedIPs: ["100.64.0.2/32"])
        let config = TunnelProcess.config(privateKey: clientKeys.privateKey, addresses: ["100.64.0.2/32"], listenPort: nil,
                                          peerPublicKey: serverKeys.publicKey, endpoint: "192.0.2.1:51820",
                                          allowedIPs: ["100.64.0.0/24"])
        try beforeClient(topo)
        let client = try TunnelProcess(in: topo, namespace: "client", keys: clientKeys, config: config)
        let s = Setup(topo: topo, server: server, client: client)
        XCTAssertTrue(topo.waitUntil { FileManager.default.fileExists(atPath: s.socketPath) }, client.log)
        return s
    }

    private func ping(_ s: Setup, _ address: String) -> Bool {
        (try? s.topo.attempt("client", ["ping", "-c", "1", "-W", "2", address]).status) == 0
    }

    @discardableResult
    private func wg(_ s: Setup, _ args: String...) throws -> String {
        try s.topo.run("client", ["wg"] + args)
    }

    private func status(_ s: Setup, _ args: String...) throws -> String {
        try s.topo.run("client", [SystemTestEnvironment.tunnelBinary!, "status"] + args)
    }

    func testWgShowShowconfAndSetWorkOnARunningClient() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let s = try makeSetup()
        let iface = s.client.interface, serverKey = s.server.keys.publicKey
        XCTAssertTrue(ping(s, "100.64.0.1"), s.client.log)

        let show = try wg(s, "show", iface)
        XCTAssertTrue(show.contains("interface: \(iface)"), show)
        XCTAssertTrue(show.contains("public key: \(s.client.keys.publicKey)"), show)
        XCTAssertTrue(show.contains("peer: \(serverKey)"), show)
        XCTAssertTrue(show.contains("endpoint: 192.0.2.1:51820"), show)
        XCTAssertTrue(show.contains("allowed ips: 100.64.0.0/24"), show)
        XCTAssertNotNil(show.range(of: #"latest handshake: (Now|\d+ seconds? ago)"#, options: .regularExpression), show)
        XCTAssertTrue(show.contains("transfer: ") && show.contains("received") && show.contains("sent"), show)

        let conf = try WireGuardConfig.parseShowconf(try wg(s, "showconf", iface))
        XCTAssertEqual(conf.interface.privateKey.base64, s.client.keys.privateKey)
        XCTAssertEqual(conf.peers.map(\.publicKey.base64), [serverKey])
        XCTAssertEqual(conf.peers.first?.allowedIPs.map(\.description), ["100.64.0.0/24"])

        XCTAssertTrue(ping(s, "100.64.0.3"))
        try wg(s, "set", iface, "peer", serverKey, "allowed-ips", "100.64.0.1/32")
        // The ping's one request lands here, and so may the up to three IPv6 router
        // solicitations the kernel sends on a new interface in its first ten seconds.
        let noPeer = { try s.topo.tunnelCounters("client", iface, "drops")["no_peer_for_destination"] ?? 0 }
        let oneRequest: ClosedRange<UInt64> = 1...4
        var before = try noPeer()
        XCTAssertFalse(ping(s, "100.64.0.3"), "no longer allowed")
        XCTAssertTrue(oneRequest.contains(try noPeer() - before), "dropped because no peer holds 100.64.0.3 now")
        XCTAssertTrue(ping(s, "100.64.0.1"), "still allowed")
        try wg(s, "set", iface, "peer", serverKey, "allowed-ips", "100.64.0.0/24")
        XCTAssertTrue(ping(s, "100.64.0.3"), "allowed again")

        let refused = try s.topo.attempt("client", ["wg", "set", iface, "listen-port", "1"])
        XCTAssertNotEqual(refused.status, 0, "another listen port is refused")
        XCTAssertTrue(refused.stderr.contains("not supported"), refused.stderr)

        try wg(s, "set", iface, "peer", serverKey, "remove")
        XCTAssertEqual(try wg(s, "show", iface, "peers"), "")
        before = try noPeer()
        XCTAssertFalse(ping(s, "100.64.0.1"), "no peer, no tunnel")
        XCTAssertTrue(oneRequest.contains(try noPeer() - before), "dropped for want of a peer, not lost on the way")

        s.client.process.signal(SIGTERM)
        XCTAssertEqual(s.client.process.wait(timeout: 10), 0, s.client.log)
        XCTAssertFalse(FileManager.default.fileExists(atPath: s.socketPath), "the socket goes with the tunnel")
    }

    func testStatusTextAndJSONAgreeAndTheJSONValidates() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let s = try makeSetup()
        XCTAssertTrue(ping(s, "100.64.0.1"), s.client.log)
        let text = try status(s, s.client.interface)
        let json = try status(s, s.client.interface, "--json")

        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let i = try XCTUnwrap((doc["interfaces"] as? [[String: Any]])?.first)
        let peer = try XCTUnwrap((i["peers"] as? [[String: Any]])?.first)
        XCTAssertEqual(i["name"] as? String, s.client.interface)
        XCTAssertEqual(i["role"] as? String, "client")
        XCTAssertEqual(i["public_key"] as? String, s.client.keys.publicKey)
        XCTAssertEqual(i["addresses"] as? [String], ["100.64.0.2/32"])
        XCTAssertEqual(i["sessions"] as? Int, 1)
        XCTAssertEqual(peer["public_key"] as? String, s.server.keys.publicKey)
        XCTAssertEqual(peer["endpoint"] as? String, "192.0.2.1:51820")
        XCTAssertEqual(peer["allowed_ips"] as? [String], ["100.64.0.0/24"])
        XCTAssertGreaterThan(peer["rx_bytes"] as? Int ?? 0, 0)
        XCTAssertGreaterThanOrEqual(((peer["handshakes"] as? [String: Int])?["sent"]) ?? 0, 1)
        let handshake = try XCTUnwrap(peer["latest_handshake"] as? Int)
        XCTAssertLessThanOrEqual(abs(Int(Date().timeIntervalSince1970) - handshake), 60, "a recent handshake, in Unix seconds")

        XCTAssertTrue(text.hasPrefix("interface: \(s.client.interface) (client)\n"), text)
        for line in ["public key: \(s.client.keys.publicKey)", "listening port: \(i["listen_port"] as? Int ?? -1)",
                     "addresses: 100.64.0.2/32", "peer: \(s.server.keys.publicKey)", "endpoint: 192.0.2.1:51820",
                     "allowed ips: 100.64.0.0/24", "latest handshake: ", "transfer: "] {
            XCTAssertTrue(text.contains(line), "text has '\(line)':\n\(text)")
        }
        XCTAssertFalse(text.contains("\u{1B}"), "no colour when stdout is not a terminal")
        // wireguard-go's socket is there too (shown without the extras), and maybe other tests' tunnels.
        // Times and byte counts may move between two calls: compare the rest.
        func steady(_ t: String) -> String {
            t.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("  latest handshake:") && !$0.hasPrefix("  transfer:") }.joined(separator: "\n")
        }
        let all = try status(s)
        XCTAssertTrue(steady(all).contains(steady(text)), all)
        XCTAssertTrue(all.contains("interface: \(s.server.interface)\n"), all)
        try validate(json)
    }

    func testGarbageOnTheSocketGetsErrnoAnswersAndTrafficGoesOn() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let s = try makeSetup()
        XCTAssertTrue(ping(s, "100.64.0.1"), s.client.log)
        let requests: [(String, [UInt8])] = [
            ("get=2", Array("get=2\n\n".utf8)),
            ("an unknown key", Array("set=1\nbogus_key=1\n\n".utf8)),
            ("a peer key without a peer", Array("set=1\nallowed_ip=10.0.0.0/8\n\n".utf8)),
            ("a bad public key", Array("set=1\npublic_key=zz\n\n".utf8)),
            ("a 1 MB line", Array(repeating: UInt8(ascii: "a"), count: 1 << 20) + Array("\n\n".utf8)),
        ]
        for (what, bytes) in requests {
            let answer = try SocketProbe.exchange(s.socketPath, bytes)
            XCTAssertTrue(answer.hasPrefix("errno=") && answer != "errno=0\n\n", "\(what): \(answer.prefix(80))")
        }
        var random = SystemRandomNumberGenerator()
        let noise = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &random) }
        let answer = try SocketProbe.exchange(s.socketPath, noise + Array("\n\n".utf8))
        XCTAssertTrue(answer.isEmpty || answer.hasPrefix("errno="), "random bytes: an errno or a closed connection")

        XCTAssertTrue(s.client.process.isRunning, s.client.log)
        XCTAssertTrue(ping(s, "100.64.0.1"), "the tunnel still carries traffic")
        XCTAssertTrue(try wg(s, "show", s.client.interface).contains("peer: \(s.server.keys.publicKey)"), "and still answers")
    }

    func testDeletingTheSocketStopsTheClientAndRestoresEverything() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        var before: [String: String] = [:]
        let s = try makeSetup { before = try $0.networkState("client") }
        XCTAssertTrue(ping(s, "100.64.0.1"), s.client.log)

        try FileManager.default.removeItem(atPath: s.socketPath)
        XCTAssertEqual(s.client.process.wait(timeout: 10), 0, s.client.log)
        XCTAssertTrue(s.client.log.contains("was deleted"), s.client.log)
        assertSameNetworkState(try s.topo.networkState("client"), before, "after the socket was deleted the namespace is as before")
    }

    /// Validates against Docs/status.schema.json with Tests/SystemTests/Schema/
    /// validate_schema.py: the schema's subset of draft 2020-12 in plain python3, so the
    /// check always runs (no jsonschema module needed).
    private func validate(_ json: String) throws {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let schema = tests.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Docs/status.schema.json").path
        let validator = tests.appendingPathComponent("Schema/validate_schema.py").path
        let result = try Command.run(["python3", validator, schema], input: json)
        XCTAssertEqual(result.status, 0, "the JSON validates against the schema: \(result.stderr)")
        let broken = json.replacingOccurrences(of: "\"interfaces\"", with: "\"interfaces_\"")
        XCTAssertNotEqual(try Command.run(["python3", validator, schema], input: broken).status, 0,
                          "the validator rejects a document without its required key")
    }
}

/// One request on a Unix stream socket, with a timeout; returns the answer (up to the
/// empty line or the close). For bytes no well-behaved client sends.
private enum SocketProbe {
    static func exchange(_ path: String, _ bytes: [UInt8]) throws -> String {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        defer { close(fd) }
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = b }
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }   // the server may close early on a request it refuses
            sent += n
        }
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !(answer.count >= 2 && answer.suffix(2) == [10, 10]) {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            answer += chunk[0..<n]
        }
        return String(decoding: answer, as: UTF8.self)
    }
}

extension StatusSystemTests {
    /// `--watch` prints a report, then again and again, each read afresh (a peer added with
    /// `wg set` after the first reports shows up in a later one), until SIGINT ends it with
    /// status 0. Counted by the report's first line, not by the clock.
    func testWatchPrintsFreshReportsUntilInterrupted() throws {
        try requireSystemTestPrerequisites(tools: ["wg"], needsTunnelBinary: true)
        let topo = try Topology("a eth0 192.0.2.1/24 -- b eth0 192.0.2.2/24", test: self)
        let ka = try WireGuardKeys.generate(), kb = try WireGuardKeys.generate(), kc = try WireGuardKeys.generate()
        let tunnel = try TunnelProcess(in: topo, namespace: "a", keys: ka, config: TunnelProcess.config(
            privateKey: ka.privateKey, addresses: ["100.64.0.1/24"], listenPort: 51820, peerPublicKey: kb.publicKey,
            endpoint: "192.0.2.2:51820", allowedIPs: ["100.64.0.2/32"]))
        let marker = "interface: \(tunnel.interface) (client)\n"
        let watch = try topo.spawnTunnel("a", name: "status-watch", ["status", tunnel.interface, "--watch"])
        let reports = { watch.log.components(separatedBy: marker).count - 1 }
        XCTAssertTrue(topo.waitUntil(timeout: 15) { reports() >= 2 }, "--watch printed a second report: \(watch.log)")
        XCTAssertFalse(watch.log.contains("peer: \(kc.publicKey)"), watch.log)

        try topo.run("a", "wg", "set", tunnel.interface, "peer", kc.publicKey, "allowed-ips", "100.64.0.9/32")
        XCTAssertTrue(topo.waitUntil(timeout: 15) { watch.log.contains("peer: \(kc.publicKey)") },
                      "a later report shows the peer added meanwhile: \(watch.log)")
        let shown = reports()
        XCTAssertTrue(watch.isRunning, "--watch keeps going until interrupted")
        watch.signal(SIGINT)
        XCTAssertEqual(watch.wait(timeout: 10), 0, "Ctrl-C ends --watch cleanly: \(watch.log)")
        XCTAssertGreaterThanOrEqual(shown, 3, "the first two reports and the one with the new peer")
        // Each report is whole: as many peer lines for the first peer as reports.
        XCTAssertEqual(watch.log.components(separatedBy: "peer: \(kb.publicKey)").count - 1, reports(), watch.log)
        XCTAssertTrue(watch.log.hasPrefix(marker), "the first report starts the output, no screen clearing off a terminal")
    }
}
