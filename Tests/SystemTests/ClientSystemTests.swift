import Foundation
import XCTest

/// `tunnel client` against a wireguard-go server that routes to an "internet" host:
/// full and split tunnels, DNS, exact restoration after SIGTERM and after SIGKILL plus
/// --cleanup, a server restart, and one-line errors for bad configs.
final class ClientSystemTests: XCTestCase {
    static let tools = ["wg", "wireguard-go", "ping", "curl", "tcpdump", "python3", "sha256sum"]

    struct Setup {
        let topo: Topology
        let server: WireGuardGoPeer
        let clientKeys: WireGuardKeys
        let resolvConf: String
    }

    /// client -- server (wireguard-go, forwarding) -- internet (HTTP on 198.51.100.2, a route back).
    private func makeSetup() throws -> Setup {
        let topo = try Topology("""
            client eth0 192.0.2.2/24 -- server eth0 192.0.2.1/24
            server eth1 198.51.100.1/24 -- internet eth0 198.51.100.2/24
            route client default via 192.0.2.1
            route internet 100.64.0.0/24 via 198.51.100.1
            route internet 192.0.2.0/24 via 198.51.100.1
            """, test: self)
        try topo.run("server", "sysctl", "-qw", "net.ipv4.ip_forward=1")
        let serverKeys = try WireGuardKeys.generate(), clientKeys = try WireGuardKeys.generate()
        let server = try WireGuardGoPeer(in: topo, namespace: "server", keys: serverKeys, listenPort: 51820,
                                         addresses: ["100.64.0.1/24"])
        try server.addPeer(publicKey: clientKeys.publicKey, endpoint: nil, allowedIPs: ["100.64.0.2/32"])
        let resolvConf = try topo.giveResolvConf("client", "nameserver 192.0.2.53\n")
        return Setup(topo: topo, server: server, clientKeys: clientKeys, resolvConf: resolvConf)
    }

    private func clientConfig(_ s: Setup, allowedIPs: String, dns: String? = "198.51.100.53") -> String {
        var text = """
            [Interface]
            PrivateKey = \(s.clientKeys.privateKey)
            Address = 100.64.0.2/32

            """
        if let dns { text += "DNS = \(dns)\n" }
        text += """

            [Peer]
            PublicKey = \(s.server.keys.publicKey)
            Endpoint = 192.0.2.1:51820
            AllowedIPs = \(allowedIPs)
            PersistentKeepalive = 25

            """
        return text
    }

    private func startClient(_ s: Setup, allowedIPs: String, dns: String? = "198.51.100.53") throws -> TunnelProcess {
        try TunnelProcess(in: s.topo, namespace: "client", keys: s.clientKeys, config: clientConfig(s, allowedIPs: allowedIPs, dns: dns))
    }

    /// Serves the file as the server paces it: each 64 KB chunk is followed by its share
    /// of a second, so a stalled moment is never made up for by a burst (curl's
    /// --limit-rate averages over the transfer and does catch up).
    static let pacedServer = """
        import http.server, sys, time
        path, rate = sys.argv[1], int(sys.argv[2])
        class Paced(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                data = open(path, 'rb').read() if self.path == '/file.bin' else b''
                self.send_response(200)
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                for i in range(0, len(data), 65536):
                    self.wfile.write(data[i:i + 65536])
                    time.sleep(65536 / rate)
        http.server.HTTPServer(('198.51.100.2', 80), Paced).serve_forever()
        """

    /// Serves `megabytes` of random bytes as http://198.51.100.2/file.bin, at most
    /// `bytesPerSecond` when given; returns their SHA-256.
    private func serveFile(_ topo: Topology, megabytes: Int, bytesPerSecond: Int? = nil) throws -> String {
        let dir = topo.logDirectory.appendingPathComponent("www").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Command.check(["dd", "if=/dev/urandom", "of=\(dir)/file.bin", "bs=1M", "count=\(megabytes)", "status=none"])
        let web = try topo.spawn("internet", name: "http", bytesPerSecond.map { rate in
            ["python3", "-c", Self.pacedServer, "\(dir)/file.bin", "\(rate)"]
        } ?? ["python3", "-m", "http.server", "80", "--bind", "198.51.100.2", "--directory", dir])
        XCTAssertTrue(topo.waitUntil(timeout: 10) {
            (try? topo.attempt("internet", ["curl", "-s", "-o", "/dev/null", "http://198.51.100.2/"]).status) == 0
        }, web.log)
        return String(try Command.check(["sha256sum", "\(dir)/file.bin"]).prefix(64))
    }

    private func state(_ s: Setup) throws -> [String: String] {
        try s.topo.networkState("client", sysctls: ["net.ipv4.conf.all.src_valid_mark"], files: [s.resolvConf])
    }

    func testFullTunnelCarriesEverythingAndOnlyUDPCrossesTheUnderlay() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let s = try makeSetup()
        let digest = try serveFile(s.topo, megabytes: 5)
        let before = try state(s)
        let capturePath = s.topo.logDirectory.appendingPathComponent("underlay.pcap").path
        let capture = try s.topo.spawn("server", name: "tcpdump", ["tcpdump", "-i", "eth0", "-n", "-U", "--immediate-mode", "-w", capturePath])
        XCTAssertTrue(s.topo.waitUntil { capture.log.contains("listening") })
        let client = try startClient(s, allowedIPs: "0.0.0.0/0, ::/0")

        try s.topo.run("client", "ping", "-c", "3", "-i", "0.2", "-W", "3", "198.51.100.2")
        let fetched = try s.topo.run("client", ["sh", "-c", "curl -sS --max-time 60 http://198.51.100.2/file.bin | sha256sum"])
        XCTAssertEqual(String(fetched.prefix(64)), digest, "the file arrives intact through the tunnel")
        XCTAssertTrue(s.server.hasHandshake())
        XCTAssertEqual(try String(contentsOfFile: s.resolvConf, encoding: .utf8).contains("nameserver 198.51.100.53"), true,
                       "DNS from the config is in force")
        let route = try s.topo.run("client", "ip", "route", "get", "198.51.100.2")
        XCTAssertTrue(route.contains("dev \(client.interface)"), route)

        capture.signal(SIGINT)
        _ = capture.wait(timeout: 5)
        let plain = try Command.check(["tcpdump", "-n", "-r", capturePath, "ip and not (udp and host 192.0.2.2 and host 192.0.2.1 and port 51820)"])
        XCTAssertEqual(plain.trimmingCharacters(in: .whitespacesAndNewlines), "", "only the tunnel's UDP crosses the underlay")
        let tunnelled = try Command.check(["tcpdump", "-n", "-r", capturePath, "udp port 51820"])
        XCTAssertGreaterThan(tunnelled.split(separator: "\n").count, 100)

        client.process.signal(SIGTERM)
        XCTAssertEqual(client.process.wait(timeout: 10), 0, client.log)
        assertSameNetworkState(try state(s), before, "after SIGTERM the namespace is as before")
    }

    func testSplitTunnelCarriesOnlyItsPrefixes() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let s = try makeSetup()
        let before = try state(s)
        let client = try startClient(s, allowedIPs: "198.51.100.0/24", dns: nil)
        try s.topo.run("client", "ping", "-c", "2", "-W", "3", "198.51.100.2")
        XCTAssertTrue(try s.topo.run("client", "ip", "route", "get", "198.51.100.2").contains("dev \(client.interface)"))
        let other = try s.topo.run("client", "ip", "route", "get", "203.0.113.5")
        XCTAssertTrue(other.contains("dev eth0") && other.contains("via 192.0.2.1"), other)
        XCTAssertEqual(try String(contentsOfFile: s.resolvConf, encoding: .utf8), "nameserver 192.0.2.53\n",
                       "without DNS in the config resolv.conf is untouched")
        XCTAssertEqual(try s.topo.run("client", "cat", "/proc/sys/net/ipv4/conf/all/src_valid_mark"), "0\n")
        client.process.signal(SIGTERM)
        XCTAssertEqual(client.process.wait(timeout: 10), 0, client.log)
        assertSameNetworkState(try state(s), before, "after SIGTERM the namespace is as before")
    }

    func testAfterSIGKILLCleanupRestoresEverything() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let s = try makeSetup()
        let before = try state(s)
        let client = try startClient(s, allowedIPs: "0.0.0.0/0")
        try s.topo.run("client", "ping", "-c", "1", "-W", "3", "198.51.100.2")
        client.process.signal(SIGKILL)
        _ = client.process.wait(timeout: 5)
        XCTAssertNotEqual(try String(contentsOfFile: s.resolvConf, encoding: .utf8), "nameserver 192.0.2.53\n",
                          "a killed client leaves its resolv.conf behind")
        let out = try s.topo.run("client", [SystemTestEnvironment.tunnelBinary!, "client", "--cleanup", "--interface", client.interface])
        XCTAssertEqual(out, """
            restore net.ipv4.conf.all.src_valid_mark=0
            restore /etc/resolv.conf
            remove /var/run/wireguard/\(client.interface).sock
            remove rule inet priority 32762 not fwmark 0xca6c lookup 51820 proto 242
            remove rule inet priority 32761 lookup 254 suppress_prefixlength 0 proto 242

            """, "--cleanup says what it removed: all of it, nothing else")
        assertSameNetworkState(try state(s), before, "after SIGKILL and --cleanup the namespace is as before")
    }

    func testInterfaceDeletedUnderTheClientRestoresAndExits() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let s = try makeSetup()
        let before = try state(s)
        let client = try startClient(s, allowedIPs: "0.0.0.0/0")
        try s.topo.run("client", "ip", "link", "del", client.interface)
        XCTAssertNotNil(client.process.wait(timeout: 10), "the client exits when its interface is deleted")
        assertSameNetworkState(try state(s), before, "everything restored")
    }

    /// A download paced to last ~10 s; the server is killed once a tenth has arrived and
    /// comes back with the same key. The same TCP connection finishes through the tunnel,
    /// byte for byte, without restarting the client.
    func testServerRestartMidTransferResumes() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let s = try makeSetup()
        let megabytes = 8
        let sha = try serveFile(s.topo, megabytes: megabytes, bytesPerSecond: 800 << 10)
        let client = try startClient(s, allowedIPs: "0.0.0.0/0")
        let tunnelBefore = try s.topo.linkBytes("client", client.interface)
        let download = s.topo.logDirectory.appendingPathComponent("mid-transfer.bin").path
        let curl = try s.topo.spawn("client", name: "curl", ["curl", "-sS", "--max-time", "150",
                                                          "-o", download, "http://198.51.100.2/file.bin"])
        let size = { ((try? FileManager.default.attributesOfItem(atPath: download)[.size]) as? Int) ?? 0 }
        XCTAssertTrue(s.topo.waitUntil(timeout: 30) { size() > megabytes << 17 }, "a tenth arrives: \(curl.log)")
        s.server.process.signal(SIGKILL)
        _ = s.server.process.wait(timeout: 5)
        let atKill = size()
        let restarted = try WireGuardGoPeer(in: s.topo, namespace: "server", interface: s.server.interface, keys: s.server.keys,
                                            listenPort: 51820, addresses: ["100.64.0.1/24"])
        try restarted.addPeer(publicKey: s.clientKeys.publicKey, endpoint: nil, allowedIPs: ["100.64.0.2/32"])
        // The client notices on its own (no reply for KEEPALIVE + REKEY_TIMEOUT) and handshakes again.
        XCTAssertTrue(s.topo.waitUntil(timeout: 40) { restarted.hasHandshake() }, client.log)
        XCTAssertEqual(curl.wait(timeout: 150), 0, "the download finishes: \(curl.log)")
        XCTAssertLessThan(atKill, megabytes << 20, "the server died mid-transfer")
        XCTAssertEqual(String(try Command.check(["sha256sum", download]).prefix(64)), sha, "every byte arrived, once")
        let tunnelAfter = try s.topo.linkBytes("client", client.interface)
        XCTAssertGreaterThanOrEqual(tunnelAfter.rx - tunnelBefore.rx, UInt64(megabytes << 20),
                                    "the file came out of the tunnel interface, not the underlay")
        XCTAssertTrue(client.process.isRunning)
    }

    func testBadConfigsGiveOneLineErrorsWithFileAndLine() throws {
        try requireSystemTestPrerequisites(tools: [], needsTunnelBinary: true)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tunnel-badconf-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = try WireGuardKeys.generate()
        let good = ["[Interface]", "PrivateKey = \(key.privateKey)", "Address = 100.64.0.2/32", "",
                    "[Peer]", "PublicKey = \(key.publicKey)", "AllowedIPs = 0.0.0.0/0", "Endpoint = 192.0.2.1:51820"]
        let cases: [(String, [String], Int)] = [
            ("missing key", good.filter { !$0.hasPrefix("PublicKey") }, 5),
            ("bad base64", good.map { $0.hasPrefix("PrivateKey") ? "PrivateKey = not-a-key" : $0 }, 2),
            ("AllowedIPs typo", good.map { $0.hasPrefix("AllowedIPs") ? "AllowedIPs = 0.0.0.0/33" : $0 }, 7),
            ("duplicate section", good + ["[Interface]", "PrivateKey = \(key.privateKey)"], 9),
        ]
        for (label, lines, line) in cases {
            let path = dir.appendingPathComponent("bad.conf").path
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(lines.joined(separator: "\n").utf8),
                                                         attributes: [.posixPermissions: 0o600]), path)
            let r = try Command.run([SystemTestEnvironment.tunnelBinary!, "client", "--config", path])
            XCTAssertEqual(r.status, 1, label)
            let message = r.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            XCTAssertEqual(message.split(separator: "\n").count, 1, "\(label): one line: \(message)")
            XCTAssertTrue(message.contains("bad.conf:\(line):"), "\(label): names file and line: \(message)")
        }
    }
}

extension ClientSystemTests {
    private func writeConfig(_ topo: Topology, endpoint: String) throws -> String {
        let key = try WireGuardKeys.generate()
        let path = topo.logDirectory.appendingPathComponent("err.conf").path
        let text = "[Interface]\nPrivateKey = \(key.privateKey)\nAddress = 100.64.0.2/32\n\n[Peer]\nPublicKey = \(key.publicKey)\nAllowedIPs = 0.0.0.0/0\nEndpoint = \(endpoint)\n"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]), path)
        return path
    }

    func testStartupErrorsAreOneLineAndLeaveNothingBehind() throws {
        try requireSystemTestPrerequisites(tools: ["setpriv"], needsTunnelBinary: true)
        let topo = try Topology("ns lonely", test: self)
        let before = try topo.networkState("lonely")
        let bin = SystemTestEnvironment.tunnelBinary!

        let unresolvable = try writeConfig(topo, endpoint: "vpn.nowhere.invalid:51820")
        assertOneLineFailure(try topo.attempt("lonely", [bin, "client", "--config", unresolvable]),
                             mentions: "cannot resolve endpoint host 'vpn.nowhere.invalid'")

        let good = try writeConfig(topo, endpoint: "192.0.2.1:51820")
        try topo.run("lonely", "ip", "link", "add", "taken0", "type", "veth", "peer", "name", "taken1")
        let withDummy = try topo.networkState("lonely")
        assertOneLineFailure(try topo.attempt("lonely", [bin, "client", "--config", good, "--interface", "taken0"]),
                             mentions: "interface name 'taken0' is already taken")
        assertSameNetworkState(try topo.networkState("lonely"), withDummy, "a taken name leaves everything alone")
        try topo.run("lonely", "ip", "link", "del", "taken0")

        try Command.check(["chown", "nobody", good])
        assertOneLineFailure(try topo.attempt("lonely", ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                                                         "--inh-caps=-all", bin, "client", "--config", good]),
                             mentions: "not permitted")
        assertSameNetworkState(try topo.networkState("lonely"), before, "nothing left behind")
    }
}

extension ClientSystemTests {
    func testRoamingWhenTheClientsAddressChanges() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let s = try makeSetup()
        let client = try startClient(s, allowedIPs: "0.0.0.0/0")
        try s.topo.run("client", "ping", "-c", "2", "-W", "3", "198.51.100.2")
        XCTAssertTrue(try s.topo.run("server", "wg", "show", s.server.interface, "endpoints").contains("192.0.2.2:"))
        // The laptop moves: a new address on the same network.
        // (Removing a primary address takes its secondaries with it: remove first, then add.)
        try s.topo.run("client", "ip", "addr", "del", "192.0.2.2/24", "dev", "eth0")
        try s.topo.run("client", "ip", "addr", "add", "192.0.2.3/24", "dev", "eth0")
        try s.topo.run("client", "ip", "route", "replace", "default", "via", "192.0.2.1")
        XCTAssertTrue(s.topo.waitUntil(timeout: 20) {
            (try? s.topo.attempt("client", ["ping", "-c", "1", "-W", "1", "198.51.100.2"]).status) == 0
        }, "traffic resumes from the new address:\n\(client.log.suffix(2000))")
        // The main table's default route is back, so a ping could go around the tunnel:
        // the interface's counters say it did not.
        try assertRepliesCameThroughTheTunnel(s, client.interface)
        XCTAssertTrue(try s.topo.run("server", "wg", "show", s.server.interface, "endpoints").contains("192.0.2.3:"),
                      "the server follows the client to its new address")
        XCTAssertTrue(client.process.isRunning)
    }
}

extension ClientSystemTests {
    func testHostNameEndpointAndConnectOverride() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let s = try makeSetup()
        // The namespace's own /etc/hosts names the server.
        try s.topo.giveEtcFile("client", "hosts", "127.0.0.1 localhost\n192.0.2.1 vpn.example.test\n")
        let named = clientConfig(s, allowedIPs: "198.51.100.0/24", dns: nil)
            .replacingOccurrences(of: "Endpoint = 192.0.2.1:51820", with: "Endpoint = vpn.example.test:51820")
        let byName = try TunnelProcess(in: s.topo, namespace: "client", keys: s.clientKeys, config: named)
        XCTAssertTrue(s.topo.waitUntil(timeout: 10) {
            (try? s.topo.attempt("client", ["ping", "-c", "1", "-W", "1", "198.51.100.2"]).status) == 0
        }, "a host name endpoint is resolved:\n\(byName.log)")
        try assertRepliesCameThroughTheTunnel(s, byName.interface)
        byName.process.signal(SIGTERM)
        XCTAssertEqual(byName.process.wait(timeout: 10), 0)

        // A stale Endpoint in the file (a name that no longer resolves), overridden on the command line.
        let wrong = clientConfig(s, allowedIPs: "198.51.100.0/24", dns: nil)
            .replacingOccurrences(of: "Endpoint = 192.0.2.1:51820", with: "Endpoint = old-vpn.nowhere.invalid:1")
        let overridden = try TunnelProcess(in: s.topo, namespace: "client", keys: s.clientKeys, config: wrong,
                                           extraArguments: ["--connect", "vpn.example.test:51820"])
        XCTAssertTrue(s.topo.waitUntil(timeout: 10) {
            (try? s.topo.attempt("client", ["ping", "-c", "1", "-W", "1", "198.51.100.2"]).status) == 0
        }, "--connect wins over the file's Endpoint:\n\(overridden.log)")
        try assertRepliesCameThroughTheTunnel(s, overridden.interface)
    }

    /// The internet host is reachable without the tunnel too: three pings answered, and
    /// their three replies are the only packets the tunnel interface received meanwhile.
    private func assertRepliesCameThroughTheTunnel(_ s: Setup, _ interface: String,
                                                   file: StaticString = #filePath, line: UInt = #line) throws {
        let before = try s.topo.linkPackets("client", interface)
        let out = try s.topo.run("client", ["ping", "-c", "3", "-i", "0.2", "-W", "2", "198.51.100.2"])
        XCTAssertTrue(out.contains("3 received"), out, file: file, line: line)
        let after = try s.topo.linkPackets("client", interface)
        XCTAssertEqual(after.rx - before.rx, 3, "the replies came out of the tunnel", file: file, line: line)
        XCTAssertEqual(after.tx - before.tx, 3, "the requests went into the tunnel", file: file, line: line)
    }
}
