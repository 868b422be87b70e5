import Foundation
import XCTest

/// `tunnel server` with two clients (a `tunnel client` and wireguard-go set up from the
/// config `tunnel peer add` printed) and an internet host that has no route back to the
/// tunnel: NAT for TCP, UDP and ICMP, fragments, TTL, peer changes while running,
/// restarts, isolation, and exact restoration.
final class ServerSystemTests: XCTestCase {
    static let tools = ["wg", "wireguard-go", "ping", "curl", "tcpdump", "python3", "socat", "iperf3", "sha256sum"]

    struct Lab {
        let topo: Topology
        let server: TunnelServerProcess
        var alice: TunnelProcess?
        var bob: WireGuardGoPeer?
    }

    /// client1 and client2 each on their own link to the server; the server's default
    /// route goes to the internet host, which knows nothing of 100.64.0.0/24.
    private func makeLab(serverArguments: [String] = [], bob: Bool = true) throws -> Lab {
        let topo = try Topology(ServerLab.topology(), test: self)
        let server = try TunnelServerProcess(in: topo, namespace: "server", extraArguments: serverArguments)
        var lab = Lab(topo: topo, server: server)
        lab.alice = try startAlice(lab)
        if bob { lab.bob = try startBob(lab) }
        return lab
    }

    private func startAlice(_ lab: Lab, name: String = "alice") throws -> TunnelProcess {
        try lab.server.startTunnelClient(name, in: "client1")
    }

    private func startBob(_ lab: Lab) throws -> WireGuardGoPeer {
        try lab.server.startWireGuardGoClient("bob", in: "client2")
    }

    private func ping(_ lab: Lab, _ ns: String, _ target: String, count: Int = 3, extra: [String] = [],
                      within: TimeInterval = 15) -> Bool {
        // The server picks new peers up within a second; the first handshake may take a retry.
        lab.topo.waitUntil(timeout: within) {
            (try? lab.topo.attempt(ns, ["ping", "-c", "1", "-W", "1"] + extra + [target]).status) == 0
        } && ((try? lab.topo.attempt(ns, ["ping", "-c", "\(count)", "-i", "0.2", "-W", "2"] + extra + [target]).status) == 0)
    }

    private func startInternetServices(_ topo: Topology, megabytes: Int = 20) throws -> String {
        let dir = topo.logDirectory.appendingPathComponent("www").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Command.check(["dd", "if=/dev/urandom", "of=\(dir)/file.bin", "bs=1M", "count=\(megabytes)", "status=none"])
        _ = try topo.spawn("internet", name: "http", ["python3", "-m", "http.server", "80", "--bind", "198.51.100.2",
                                                     "--directory", dir])
        _ = try topo.spawn("internet", name: "udp-echo", ["socat", "UDP4-RECVFROM:7777,bind=198.51.100.2,fork", "PIPE"])
        XCTAssertTrue(topo.waitUntil(timeout: 10) {
            (try? topo.attempt("internet", ["curl", "-s", "-o", "/dev/null", "http://198.51.100.2/"]).status) == 0
        })
        return String(try Command.check(["sha256sum", "\(dir)/file.bin"]).prefix(64))
    }

    private func udpEcho(_ topo: Topology, _ ns: String, _ text: String, sourcePort: Int? = nil) throws -> String {
        let bind = sourcePort.map { ",sourceport=\($0)" } ?? ""
        return try topo.run(ns, ["socat", "-T", "3", "-", "UDP4:198.51.100.2:7777\(bind)"], input: text)
    }

    private func capture(_ topo: Topology, _ ns: String, _ iface: String, _ name: String) throws -> (BackgroundProcess, String) {
        let path = topo.logDirectory.appendingPathComponent("\(name).pcap").path
        let p = try topo.spawn(ns, name: "tcpdump-\(name)", ["tcpdump", "-i", iface, "-n", "-U", "--immediate-mode", "-w", path])
        XCTAssertTrue(topo.waitUntil { p.log.contains("listening") })
        return (p, path)
    }

    private func read(_ capture: (BackgroundProcess, String), filter: String) throws -> [Substring] {
        capture.0.signal(SIGINT)
        _ = capture.0.wait(timeout: 5)
        return try Command.check(["tcpdump", "-n", "-r", capture.1, filter]).split(separator: "\n")
    }

    // MARK: tests

    func testTwoClientsUseTheInternetAtOnceAndItSeesOnlyTheServer() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let lab = try makeLab()
        let digest = try startInternetServices(lab.topo)
        let seen = try capture(lab.topo, "internet", "eth0", "internet")
        XCTAssertTrue(ping(lab, "client1", "198.51.100.2"), lab.server.log)
        XCTAssertTrue(ping(lab, "client2", "198.51.100.2"), lab.server.log)

        let downloads = try ["client1", "client2"].map { ns in
            try lab.topo.spawn(ns, name: "curl-\(ns)", ["sh", "-c", "curl -sS --max-time 60 http://198.51.100.2/file.bin | sha256sum"])
        }
        XCTAssertEqual(try udpEcho(lab.topo, "client1", "alice says hi\n"), "alice says hi\n")
        XCTAssertEqual(try udpEcho(lab.topo, "client2", "bob says hi\n"), "bob says hi\n")
        for d in downloads {
            XCTAssertEqual(d.wait(timeout: 90), 0, d.log)
            XCTAssertEqual(String(d.log.prefix(64)), digest, "20 MB arrive intact")
        }
        let foreign = try read(seen, filter: "ip and not src host 198.51.100.2 and not src host 198.51.100.1")
        XCTAssertEqual(foreign, [], "the internet host sees only the server's address")
        XCTAssertGreaterThan(try Command.check(["tcpdump", "-n", "-r", seen.1, "src host 198.51.100.1"]).count, 0)
    }

    func testSameSourcePortAndEchoIdFromTwoClients() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let lab = try makeLab()
        _ = try startInternetServices(lab.topo, megabytes: 1)
        XCTAssertTrue(ping(lab, "client1", "198.51.100.2"))
        XCTAssertTrue(ping(lab, "client2", "198.51.100.2"))
        // Both at once, from the same port / with the same echo id.
        let a = try lab.topo.spawn("client1", name: "udp-a", ["sh", "-c", "for i in 1 2 3 4 5; do echo alice-$i; sleep 0.2; done | socat -T 3 - UDP4:198.51.100.2:7777,sourceport=40000"])
        let b = try lab.topo.spawn("client2", name: "udp-b", ["sh", "-c", "for i in 1 2 3 4 5; do echo bob-$i; sleep 0.2; done | socat -T 3 - UDP4:198.51.100.2:7777,sourceport=40000"])
        let pa = try lab.topo.spawn("client1", name: "ping-a", ["ping", "-c", "5", "-i", "0.2", "-e", "4242", "198.51.100.2"])
        let pb = try lab.topo.spawn("client2", name: "ping-b", ["ping", "-c", "5", "-i", "0.2", "-e", "4242", "198.51.100.2"])
        for p in [a, b, pa, pb] { XCTAssertNotNil(p.wait(timeout: 20)) }
        XCTAssertEqual(a.log, (1...5).map { "alice-\($0)\n" }.joined(), "alice gets her own echoes")
        XCTAssertEqual(b.log, (1...5).map { "bob-\($0)\n" }.joined(), "bob gets his own echoes")
        XCTAssertTrue(pa.log.contains("5 received"), pa.log)
        XCTAssertTrue(pb.log.contains("5 received"), pb.log)
    }

    func testNoResetOrPortUnreachableLeavesTheServerForNATPorts() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let lab = try makeLab(bob: false)
        _ = try startInternetServices(lab.topo, megabytes: 1)
        let egress = try capture(lab.topo, "server", "eth1", "egress")
        XCTAssertTrue(ping(lab, "client1", "198.51.100.2"))
        _ = try lab.topo.run("client1", ["curl", "-sS", "-o", "/dev/null", "http://198.51.100.2/file.bin"])
        XCTAssertEqual(try udpEcho(lab.topo, "client1", "x\n"), "x\n")
        // Strays from the internet to NAT ports that have no mapping.
        _ = try lab.topo.attempt("internet", ["socat", "-T", "1", "-", "UDP4:198.51.100.1:62000,sourceport=7777"], timeout: 5)
        _ = try lab.topo.attempt("internet", ["curl", "-s", "--max-time", "2", "http://198.51.100.1:62001/"], timeout: 5)
        let refusals = try read(egress, filter: "src host 198.51.100.1 and ((tcp[tcpflags] & tcp-rst != 0) or icmp[icmptype] == icmp-unreach)")
        XCTAssertEqual(refusals, [], "the kernel never answers for the NAT's ports")
        XCTAssertGreaterThan(try Command.check(["tcpdump", "-n", "-r", egress.1, "tcp and src host 198.51.100.1"]).count, 0,
                             "the capture saw the NAT'd connection")
    }

    func testFragmentsTTLAndIperfThroughTheNAT() throws {
        try fragmentsTTLAndIperfThroughTheNAT(offloads: true)
    }

    /// The same with the server's offloads off: translated packets leave by raw socket and
    /// the server takes the hop off the TTL itself.
    func testFragmentsTTLAndIperfThroughTheNATWithOffloadsOff() throws {
        try fragmentsTTLAndIperfThroughTheNAT(offloads: false)
    }

    /// Offloads on, but translated packets leave by raw socket (hosts whose FORWARD
    /// chain drops): the tunnel side keeps its offloads, the NAT's egress is per packet.
    func testFragmentsTTLAndIperfThroughTheNATWithSocketEgress() throws {
        try fragmentsTTLAndIperfThroughTheNAT(offloads: true, socketEgress: true)
    }

    private func fragmentsTTLAndIperfThroughTheNAT(offloads: Bool, socketEgress: Bool = false) throws {
        try requireSystemTestPrerequisites(tools: Self.tools + ["tracepath"], needsTunnelBinary: true)
        let topo = try Topology("""
            client1 eth0 192.0.2.2/25 -- server eth0 192.0.2.1/25
            server eth1 198.51.100.1/24 -- router eth0 198.51.100.254/24
            router eth1 203.0.113.254/24 -- internet eth0 203.0.113.9/24
            route client1 default via 192.0.2.1
            route server default via 198.51.100.254
            route internet default via 203.0.113.254
            """, test: self)
        try topo.run("router", "sysctl", "-qw", "net.ipv4.ip_forward=1")
        let server = try TunnelServerProcess(in: topo, namespace: "server",
                                             extraArguments: (offloads ? [] : ["--offload", "off"])
                                                 + (socketEgress ? ["--nat-egress", "socket"] : []))
        var lab = Lab(topo: topo, server: server)
        lab.alice = try startAlice(lab)
        _ = try topo.spawn("internet", name: "udp-echo", ["socat", "UDP4-RECVFROM:7777,bind=203.0.113.9,fork", "PIPE"])
        _ = try topo.spawn("internet", name: "iperf3", ["iperf3", "-s", "--forceflush"])
        XCTAssertTrue(ping(lab, "client1", "203.0.113.9"), server.log)

        let big = String(repeating: "0123456789abcdef", count: 3000 / 16) + "\n"
        let echoed = try topo.run("client1", ["socat", "-T", "3", "-b", "65536", "-", "UDP4:203.0.113.9:7777"], input: big)
        XCTAssertEqual(echoed.count, big.count, "a fragmented 3000-byte datagram crosses the NAT both ways")
        XCTAssertEqual(echoed, big)

        let expired = try topo.attempt("client1", ["ping", "-c", "1", "-W", "2", "-t", "2", "203.0.113.9"])
        XCTAssertTrue(expired.stdout.contains("From 198.51.100.254") && expired.stdout.contains("Time to live exceeded"),
                      "the router's time exceeded comes back translated: \(expired.stdout)")
        let atServer = try topo.attempt("client1", ["ping", "-c", "1", "-W", "2", "-t", "1", "203.0.113.9"])
        XCTAssertTrue(atServer.stdout.contains("From 100.64.0.1") && atServer.stdout.contains("Time to live exceeded"),
                      "the server is a hop: \(atServer.stdout)")
        let trace = try topo.run("client1", ["tracepath", "-n", "-m", "4", "203.0.113.9"], timeout: 30)
        XCTAssertTrue(trace.contains("198.51.100.254") && trace.contains("203.0.113.9"), trace)

        try topo.assertIperfThroughTunnel(from: "client1", to: "203.0.113.9")
        try topo.assertIperfThroughTunnel(from: "client1", to: "203.0.113.9", reverse: true)
        XCTAssertTrue(server.log.contains(offloads ? "offloads: TUN" : "offloads off"), server.log)
        let throughTun = offloads && !socketEgress
        XCTAssertTrue(server.log.contains(throughTun ? "translated packets forwarded from the TUN"
                                                     : "translated packets sent by raw socket"), server.log)
        // Through the TUN the NAT's packets are written to it as super-packets; by raw
        // socket nothing but the clients' own traffic to the server's host is.
        let counters = try topo.tunnelCounters("server", server.interface)
        let written = counters["tun_superpackets_written"] ?? 0
        if throughTun {
            XCTAssertGreaterThan(written, 0, "iperf3's upload left through the TUN coalesced")
        } else {
            XCTAssertEqual(written, 0, "nothing was coalesced into the TUN")
        }
        // The download's replies reach the TUN as super-packets (the internet host's TSO
        // survives forwarding) and are translated whole, whichever way the upload leaves.
        let translatedWhole = counters["router_superpackets_translated"] ?? 0
        if offloads {
            XCTAssertGreaterThan(translatedWhole, 0, "replies were translated once per super-packet: \(counters)")
        } else {
            XCTAssertEqual(translatedWhole, 0, "no super-packets without offloads: \(counters)")
        }
    }

    func testPeersAddedAndRemovedWhileRunning() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        var lab = try makeLab(bob: false)
        XCTAssertTrue(ping(lab, "client1", "100.64.0.1"))
        let steady = try lab.topo.spawn("client1", name: "steady-ping", ["ping", "-i", "0.1", "-W", "1", "100.64.0.1"])
        lab.bob = try startBob(lab)
        XCTAssertTrue(ping(lab, "client2", "100.64.0.1"), "a peer added while running connects without a restart")
        try lab.server.removePeer("bob")
        XCTAssertTrue(lab.topo.waitUntil(timeout: 5) { lab.server.log.contains("peer bob removed") }, lab.server.log)
        // A fresh handshake from the removed peer must fail: `wg setconf` with bob's own
        // config replaces his peer, so he has no session and starts a new handshake.
        let bobConf = lab.topo.logDirectory.appendingPathComponent("bob-again.conf").path
        try lab.topo.run("client2", "wg", "showconf", lab.bob!.interface)
            .write(toFile: bobConf, atomically: true, encoding: .utf8)
        try lab.topo.run("client2", "wg", "setconf", lab.bob!.interface, bobConf)
        let handshakesBefore = try lab.topo.run("client2", "wg", "show", lab.bob!.interface, "latest-handshakes")
        let refusedBefore = try lab.topo.tunnelCounters("server", lab.server.interface, "drops")["handshake_failed"]
        let poke = try lab.topo.spawn("client2", name: "bob-ping", ["ping", "-c", "20", "-i", "0.5", "-W", "1", "100.64.0.1"])
        XCTAssertTrue(lab.topo.waitUntil(timeout: 15) {
            (try? lab.topo.tunnelCounters("server", lab.server.interface, "drops")["handshake_failed"]) != refusedBefore
        }, "bob's initiation reached the server and was refused")
        poke.stop()
        XCTAssertEqual(try lab.topo.run("client2", "wg", "show", lab.bob!.interface, "latest-handshakes"), handshakesBefore,
                       "the removed peer cannot handshake")
        steady.signal(SIGINT)
        _ = steady.wait(timeout: 5)
        // No gap in the answered sequence numbers (the request in flight when ping was
        // stopped may go unanswered; that is ping's end, not an interruption).
        let answered = steady.log.split(separator: "\n").compactMap { line -> Int? in
            guard let field = line.split(separator: " ").first(where: { $0.hasPrefix("icmp_seq=") }) else { return nil }
            return Int(field.dropFirst("icmp_seq=".count))
        }
        XCTAssertGreaterThan(answered.count, 20, steady.log)
        XCTAssertEqual(answered, Array(1...(answered.last ?? 0)), "alice was never interrupted: \(steady.log)")
    }

    func testKilledServerCleansUpOnRestartAndCleanExitRestoresEverything() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let topo = try Topology(ServerLab.topology(clients: 1), test: self)
        let sysctls = ["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"]
        let before = try topo.networkState("server", sysctls: sysctls)
        let server = try TunnelServerProcess(in: topo, namespace: "server")
        var lab = Lab(topo: topo, server: server)
        lab.alice = try startAlice(lab)
        XCTAssertTrue(ping(lab, "client1", "198.51.100.2"), server.log)

        server.process.signal(SIGKILL)
        _ = server.process.wait(timeout: 5)
        try server.restart()
        XCTAssertTrue(server.log.contains("cleaned up after an earlier run"), server.log)
        let rules = try topo.run("server", "ip", "rule")
        XCTAssertEqual(rules.components(separatedBy: "lookup local").count - 1, 1, "one local rule: \(rules)")
        // The client notices the silence after KEEPALIVE + REKEY_TIMEOUT (15 s and jitter).
        XCTAssertTrue(ping(lab, "client1", "198.51.100.2", within: 40), "the client reconnects on its own:\n\(server.log)")

        server.process.signal(SIGTERM)
        XCTAssertEqual(server.process.wait(timeout: 10), 0, server.log)
        assertSameNetworkState(try topo.networkState("server", sysctls: sysctls), before,
                               "after a clean exit the server namespace is as before")
    }

    func testClientToClientAndIsolation() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        do {
            let lab = try makeLab()
            XCTAssertTrue(ping(lab, "client2", "100.64.0.1"))
            XCTAssertTrue(ping(lab, "client1", "100.64.0.3"), "alice reaches bob through the server")
            lab.topo.teardown()
        }
        let lab = try makeLab(serverArguments: ["--isolate-clients"])
        XCTAssertTrue(ping(lab, "client2", "100.64.0.1"))
        XCTAssertTrue(ping(lab, "client1", "100.64.0.1"))
        let isolated = { try lab.topo.tunnelCounters("server", lab.server.interface)["router_isolated_drops"] }
        let before = try isolated()
        XCTAssertNotEqual(try lab.topo.attempt("client1", ["ping", "-c", "2", "-W", "1", "100.64.0.3"]).status, 0,
                          "with --isolate-clients alice cannot reach bob")
        XCTAssertEqual(try isolated(), before.map { $0 + 2 }, "both requests were refused for isolation, not lost")
        XCTAssertTrue(ping(lab, "client1", "100.64.0.1"), "alice's path to the server still works")
    }
}

extension ServerSystemTests {
    func testIPv6LeavesThroughNAT66() throws {
        try ipv6LeavesThroughNAT66(offloads: true)
    }

    func testIPv6LeavesThroughNAT66WithOffloadsOff() throws {
        try ipv6LeavesThroughNAT66(offloads: false)
    }

    private func ipv6LeavesThroughNAT66(offloads: Bool) throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let topo = try Topology("""
            client1 eth0 192.0.2.2/25 -- server eth0 192.0.2.1/25
            server eth1 198.51.100.1/24 2001:db8:200::1/64 -- internet eth0 198.51.100.2/24 2001:db8:200::2/64
            route client1 default via 192.0.2.1
            route server default via 198.51.100.2
            """, test: self)
        let server = try TunnelServerProcess(in: topo, namespace: "server",
                                             extraArguments: offloads ? [] : ["--offload", "off"])
        var lab = Lab(topo: topo, server: server)
        lab.alice = try startAlice(lab)
        XCTAssertTrue(ping(lab, "client1", "2001:db8:200::2"), server.log)
        _ = try topo.spawn("internet", name: "udp6-echo", ["socat", "UDP6-RECVFROM:7777,bind=[2001:db8:200::2],fork", "PIPE"])
        let seen = try capture(topo, "internet", "eth0", "internet6")
        XCTAssertTrue(topo.waitUntil(timeout: 5) {
            (try? topo.run("client1", ["socat", "-T", "2", "-", "UDP6:[2001:db8:200::2]:7777"], input: "over ipv6\n")) == "over ipv6\n"
        })
        let foreign = try read(seen, filter: "ip6 and not icmp6 and not src host 2001:db8:200::1 and not src host 2001:db8:200::2")
        XCTAssertEqual(foreign, [], "the internet host sees only the server's IPv6 address")

        // A TCP download over IPv6: with offloads its replies are translated whole.
        _ = try topo.spawn("internet", name: "iperf3", ["iperf3", "-s", "--forceflush"])
        try topo.assertIperfThroughTunnel(from: "client1", to: "2001:db8:200::2", reverse: true)
        let translatedWhole = try topo.tunnelCounters("server", server.interface)["router_superpackets_translated"] ?? 0
        if offloads {
            XCTAssertGreaterThan(translatedWhole, 0, "IPv6 replies were translated once per super-packet")
        } else {
            XCTAssertEqual(translatedWhole, 0, "no super-packets without offloads")
        }
    }

    func testRoutedModeWithoutNAT() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let topo = try Topology("""
            client1 eth0 192.0.2.2/25 -- server eth0 192.0.2.1/25
            server eth1 198.51.100.1/24 -- internet eth0 198.51.100.2/24
            route client1 default via 192.0.2.1
            route internet 100.64.0.0/24 via 198.51.100.1
            """, test: self)
        let server = try TunnelServerProcess(in: topo, namespace: "server", extraArguments: ["--nat", "off"])
        var lab = Lab(topo: topo, server: server)
        lab.alice = try startAlice(lab)
        let seen = try capture(topo, "internet", "eth0", "routed")
        XCTAssertTrue(ping(lab, "client1", "198.51.100.2"), server.log)
        let fromClient = try read(seen, filter: "icmp and src host 100.64.0.2")
        XCTAssertFalse(fromClient.isEmpty, "routed: the internet host sees the client's tunnel address")
        XCTAssertEqual(try topo.run("server", "cat", "/proc/sys/net/ipv4/ip_forward"), "1\n")
    }
}

extension ServerSystemTests {
    private func status(_ lab: Lab) throws -> [String: Any] {
        let out = try Command.check([SystemTestEnvironment.tunnelBinary!, "status", lab.server.interface, "--json"])
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        return try XCTUnwrap((doc["interfaces"] as? [[String: Any]])?.first)
    }

    private func natNumbers(_ lab: Lab) throws -> (mappings: Int, portsInUse: Int, tableFull: Int) {
        let nat = try XCTUnwrap(try status(lab)["nat"] as? [String: Any])
        let mappings = (nat["mappings"] as? [String: Int] ?? [:]).values.reduce(0, +)
        let drops = nat["drops"] as? [String: Int] ?? [:]
        return (mappings, nat["ports_in_use"] as? Int ?? -1, drops["table_full"] ?? 0)
    }

    func testMappingsExpirePortsAreReusedAndStatusShowsTheTable() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        // Two ports only, and every timeout 3 s: the table fills, empties, and fills again.
        let lab = try makeLab(serverArguments: ["--nat-ports", "61000-61001", "--test-nat-timeout", "3"], bob: false)
        _ = try startInternetServices(lab.topo, megabytes: 1)
        XCTAssertTrue(ping(lab, "client1", "100.64.0.1"))
        for port in [40001, 40002] {
            XCTAssertEqual(try udpEcho(lab.topo, "client1", "p\(port)\n", sourcePort: port), "p\(port)\n")
        }
        let full = try natNumbers(lab)
        XCTAssertEqual(full.mappings, 2, "tunnel status shows both mappings")
        XCTAssertEqual(full.portsInUse, 2)
        XCTAssertEqual(try udpEcho(lab.topo, "client1", "third\n", sourcePort: 40003), "", "no port left for a third")
        XCTAssertEqual(try natNumbers(lab).tableFull, 1, "the third flow's one datagram is refused and counted")

        XCTAssertTrue(lab.topo.waitUntil(timeout: 15) { (try? self.natNumbers(lab).mappings) == 0 },
                      "mappings expire and the table is back to zero")
        XCTAssertEqual(try natNumbers(lab).portsInUse, 0)
        for port in [40004, 40005] {
            XCTAssertEqual(try udpEcho(lab.topo, "client1", "again\(port)\n", sourcePort: port), "again\(port)\n",
                           "freed ports are used again")
        }
        let text = try Command.check([SystemTestEnvironment.tunnelBinary!, "status", lab.server.interface])
        XCTAssertTrue(text.contains("(server)") && text.contains("nat ports: 0 of 2 tcp, 2 of 2 udp, 0 of 2 icmp in use"), text)
    }

    func testWgShowAndSetOnARunningServerWithTwoClients() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let lab = try makeLab()
        XCTAssertTrue(ping(lab, "client1", "100.64.0.1"))
        XCTAssertTrue(ping(lab, "client2", "100.64.0.1"))
        let show = try lab.topo.run("server", "wg", "show", lab.server.interface)
        XCTAssertEqual(show.components(separatedBy: "peer: ").count - 1, 2, show)
        XCTAssertTrue(show.contains("endpoint: 192.0.2.2:") && show.contains("endpoint: 192.0.2.130:"), show)
        XCTAssertTrue(show.contains("allowed ips: 100.64.0.2/32") && show.contains("latest handshake:")
                      && show.contains("transfer:"), show)
        let status = try status(lab)
        XCTAssertEqual((status["peers"] as? [Any])?.count, 2)
        XCTAssertEqual(status["role"] as? String, "server")

        // The same change as editing the config: bob's address no longer belongs to him.
        let bobKey = try lab.topo.run("client2", "wg", "show", lab.bob!.interface, "public-key")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try lab.topo.run("server", "wg", "set", lab.server.interface, "peer", bobKey, "allowed-ips", "100.64.0.99/32")
        XCTAssertNotEqual(try lab.topo.attempt("client2", ["ping", "-c", "2", "-W", "1", "100.64.0.1"]).status, 0,
                          "bob's packets from 100.64.0.3 are no longer accepted")
        try lab.topo.run("server", "wg", "set", lab.server.interface, "peer", bobKey, "allowed-ips", "100.64.0.3/32,2001:db8:100::3/128")
        XCTAssertTrue(ping(lab, "client2", "100.64.0.1"))
        try lab.topo.run("server", "wg", "set", lab.server.interface, "peer", bobKey, "remove")
        XCTAssertEqual(try lab.topo.run("server", "wg", "show", lab.server.interface, "peers")
            .split(separator: "\n").count, 1)
        XCTAssertTrue(ping(lab, "client1", "100.64.0.1"), "alice is unaffected")
    }
}

extension ServerSystemTests {
    func testANetworkBehindAClientGetsARouteWhileItIsAllowed() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let lab = try makeLab(bob: false)
        XCTAssertTrue(ping(lab, "client1", "100.64.0.1"))
        let aliceKey = try lab.topo.run("client1", "wg", "show", lab.alice!.interface, "public-key")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try lab.topo.run("server", "wg", "set", lab.server.interface, "peer", aliceKey,
                         "allowed-ips", "100.64.0.2/32,2001:db8:100::2/128,203.0.113.0/24")
        XCTAssertTrue(lab.topo.waitUntil(timeout: 5) {
            (try? lab.topo.run("server", "ip", "route", "get", "203.0.113.5"))?.contains("dev \(lab.server.interface)") == true
        }, "alice's network is routed into the tunnel")
        try lab.topo.run("server", "wg", "set", lab.server.interface, "peer", aliceKey,
                         "allowed-ips", "100.64.0.2/32,2001:db8:100::2/128")
        XCTAssertTrue(lab.topo.waitUntil(timeout: 5) {
            (try? lab.topo.run("server", "ip", "route", "show", "203.0.113.0/24")) == ""
        }, "and no longer once she may not use it")
    }
}
