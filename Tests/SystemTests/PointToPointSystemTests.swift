import XCTest

/// `tunnel` against Debian's wireguard-go, and against itself, over a veth pair:
/// handshakes both ways, ping over IPv4 and IPv6, iperf3 both directions, preshared keys,
/// and rekeying under load.
final class PointToPointSystemTests: XCTestCase {
    static let tools = ["wg", "wireguard-go", "ping", "iperf3"]

    private func topology() throws -> Topology {
        try Topology("a eth0 192.0.2.1/24 -- b eth0 192.0.2.2/24", test: self)
    }

    /// tunnel in namespace a (100.64.0.1), wireguard-go in b (100.64.0.2).
    private func tunnelAndWireGuardGo(_ topo: Topology, tunnelEndpoint: Bool = true, goEndpoint: Bool = true,
                                      psk: String? = nil, goPSK: String? = nil,
                                      extraArguments: [String] = []) throws -> (TunnelProcess, WireGuardGoPeer) {
        let ka = try WireGuardKeys.generate(), kb = try WireGuardKeys.generate()
        let config = TunnelProcess.config(privateKey: ka.privateKey, addresses: ["100.64.0.1/24", "2001:db8:100::1/64"],
                                          listenPort: 51820, peerPublicKey: kb.publicKey,
                                          endpoint: tunnelEndpoint ? "192.0.2.2:51820" : nil,
                                          allowedIPs: ["100.64.0.2/32", "2001:db8:100::2/128"], presharedKey: psk)
        let startTunnel = { try TunnelProcess(in: topo, namespace: "a", keys: ka, config: config, extraArguments: extraArguments) }
        // The one that initiates starts second: an initiation sent before the other end
        // listens is lost, and the retry comes 5 s later, after the test's pings gave up.
        let tunnelFirst = tunnelEndpoint ? nil : try startTunnel()
        let go = try WireGuardGoPeer(in: topo, namespace: "b", keys: kb, listenPort: 51820,
                                     addresses: ["100.64.0.2/24", "2001:db8:100::2/64"])
        try go.addPeer(publicKey: ka.publicKey, endpoint: goEndpoint ? "192.0.2.1:51820" : nil,
                       allowedIPs: ["100.64.0.1/32", "2001:db8:100::1/128"], presharedKey: goPSK ?? psk)
        let tunnel = try tunnelFirst ?? startTunnel()
        return (tunnel, go)
    }

    private func assertPings(_ topo: Topology, _ from: String, _ to: [String], file: StaticString = #filePath, line: UInt = #line) {
        for target in to {
            do {
                let out = try topo.run(from, "ping", "-c", "3", "-i", "0.2", "-W", "3", target)
                XCTAssertTrue(out.contains(" 0% packet loss") || out.contains("3 received"), out, file: file, line: line)
            } catch {
                XCTFail("ping \(target) from \(from): \(error)\n\(topo.processLogs)", file: file, line: line)
            }
        }
    }

    /// 20 MiB each way (or `seconds` of sending), all of it received.
    private func assertIperf(_ topo: Topology, client: String, server: String, address: String, seconds: Int? = nil,
                             file: StaticString = #filePath, line: UInt = #line) throws {
        for reverse in [false, true] {
            let iperfServer = try topo.spawn(server, name: "iperf3-\(server)-\(reverse)", ["iperf3", "-s", "-B", address, "-1", "--forceflush"])
            XCTAssertTrue(topo.waitUntil(timeout: 5) { iperfServer.log.contains("listening") }, file: file, line: line)
            try topo.assertIperfThroughTunnel(from: client, to: address, seconds: seconds, reverse: reverse,
                                              file: file, line: line)
        }
    }

    func testTunnelInitiatesToWireGuardGo() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let topo = try topology()
        let (tunnel, go) = try tunnelAndWireGuardGo(topo)
        assertPings(topo, "a", ["100.64.0.2", "2001:db8:100::2"])
        XCTAssertTrue(go.hasHandshake())
        XCTAssertTrue(tunnel.log.contains("session established (we initiated)"), tunnel.log)
        assertPings(topo, "b", ["100.64.0.1", "2001:db8:100::1"])
        try assertIperf(topo, client: "a", server: "b", address: "100.64.0.2")
    }

    func testWireGuardGoInitiatesToTunnel() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let topo = try topology()
        let (tunnel, _) = try tunnelAndWireGuardGo(topo, tunnelEndpoint: false)
        assertPings(topo, "b", ["100.64.0.1", "2001:db8:100::1"])
        XCTAssertTrue(tunnel.log.contains("session established (they initiated)"), tunnel.log)
        assertPings(topo, "a", ["100.64.0.2", "2001:db8:100::2"])
        try assertIperf(topo, client: "b", server: "a", address: "100.64.0.1")
    }

    func testPresharedKeyMatchingAndMismatched() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let psk = try WireGuardKeys.generatePresharedKey()
        do {
            let topo = try topology()
            _ = try tunnelAndWireGuardGo(topo, psk: psk)
            assertPings(topo, "a", ["100.64.0.2"])
            topo.teardown()
        }
        let topo = try topology()
        let (tunnel, go) = try tunnelAndWireGuardGo(topo, psk: psk, goPSK: try WireGuardKeys.generatePresharedKey())
        let ping = try topo.attempt("a", ["ping", "-c", "2", "-W", "2", "100.64.0.2"])
        XCTAssertNotEqual(ping.status, 0, "no session forms with different preshared keys")
        XCTAssertFalse(go.hasHandshake())
        XCTAssertTrue(tunnel.process.isRunning, "tunnel keeps running")
        XCTAssertTrue(topo.waitUntil(timeout: 5) { tunnel.log.contains("handshake rejected") },
                      "tunnel says why at debug level:\n\(tunnel.log)")
    }

    func testTunnelAgainstTunnel() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let topo = try topology()
        let ka = try WireGuardKeys.generate(), kb = try WireGuardKeys.generate()
        let psk = try WireGuardKeys.generatePresharedKey()
        let a = try TunnelProcess(in: topo, namespace: "a", keys: ka, config: TunnelProcess.config(
            privateKey: ka.privateKey, addresses: ["100.64.0.1/24", "2001:db8:100::1/64"], listenPort: 51820,
            peerPublicKey: kb.publicKey, endpoint: "192.0.2.2:51820",
            allowedIPs: ["100.64.0.2/32", "2001:db8:100::2/128"], presharedKey: psk))
        let b = try TunnelProcess(in: topo, namespace: "b", keys: kb, config: TunnelProcess.config(
            privateKey: kb.privateKey, addresses: ["100.64.0.2/24", "2001:db8:100::2/64"], listenPort: 51820,
            peerPublicKey: ka.publicKey, endpoint: nil,
            allowedIPs: ["100.64.0.1/32", "2001:db8:100::1/128"], presharedKey: psk))
        assertPings(topo, "a", ["100.64.0.2", "2001:db8:100::2"])
        assertPings(topo, "b", ["100.64.0.1", "2001:db8:100::1"])
        XCTAssertTrue(a.log.contains("session established (we initiated)"), a.log)
        XCTAssertTrue(b.log.contains("session established (they initiated)"), b.log)
        try assertIperf(topo, client: "a", server: "b", address: "100.64.0.2")
    }

    func testRekeyingDuringTransferAgainstWireGuardGo() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let topo = try topology()
        let (tunnel, _) = try tunnelAndWireGuardGo(topo, extraArguments: ["--test-rekey-after", "5"])
        assertPings(topo, "a", ["100.64.0.2"])
        try assertIperf(topo, client: "a", server: "b", address: "100.64.0.2", seconds: 15)
        let sessions = tunnel.log.components(separatedBy: "session established").count - 1
        XCTAssertGreaterThanOrEqual(sessions, 4, "several rekeys happened during the transfers:\n\(tunnel.log.suffix(3000))")
        assertPings(topo, "a", ["100.64.0.2"])
    }

    func testSIGTERMRemovesInterfaceAndExitsZero() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let topo = try topology()
        let (tunnel, _) = try tunnelAndWireGuardGo(topo)
        assertPings(topo, "a", ["100.64.0.2"])
        tunnel.process.signal(SIGTERM)
        XCTAssertEqual(tunnel.process.wait(timeout: 10), 0, tunnel.log)
        XCTAssertNotEqual(try topo.attempt("a", ["ip", "link", "show", tunnel.interface]).status, 0, "interface removed")
    }
}

extension PointToPointSystemTests {
    /// The underlay may be IPv6 too: the socket is dual-stack and endpoints keep their family.
    func testTunnelAgainstWireGuardGoOverAnIPv6Underlay() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let topo = try Topology("a eth0 2001:db8:1::1/64 -- b eth0 2001:db8:1::2/64", test: self)
        let ka = try WireGuardKeys.generate(), kb = try WireGuardKeys.generate()
        let go = try WireGuardGoPeer(in: topo, namespace: "b", keys: kb, listenPort: 51820, addresses: ["100.64.0.2/24"])
        try go.addPeer(publicKey: ka.publicKey, endpoint: nil, allowedIPs: ["100.64.0.1/32"])
        let tunnel = try TunnelProcess(in: topo, namespace: "a", keys: ka, config: TunnelProcess.config(
            privateKey: ka.privateKey, addresses: ["100.64.0.1/24"], listenPort: 51820, peerPublicKey: kb.publicKey,
            endpoint: "[2001:db8:1::2]:51820", allowedIPs: ["100.64.0.2/32"]))
        assertPings(topo, "a", ["100.64.0.2"])
        // Full-size packets with DF set fit: 1420 - 28 bytes of ICMP and IPv4 header.
        let big = try topo.attempt("a", ["ping", "-c", "2", "-W", "2", "-M", "do", "-s", "1392", "100.64.0.2"])
        XCTAssertEqual(big.status, 0, big.stdout + big.stderr)
        XCTAssertTrue(try topo.run("b", "wg", "show", go.interface, "endpoints").contains("[2001:db8:1::1]:51820"),
                      tunnel.log)
    }
}
