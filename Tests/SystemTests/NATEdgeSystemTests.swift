import Foundation
import XCTest

/// The NAT's edges (issue 24, items 3 and 4). A client's packets to the server's loopback,
/// to unspecified, multicast, broadcast and link-local addresses are refused and counted
/// by reason in both egress modes; the server's other local addresses are the host itself,
/// reached with the client's tunnel address as source; and in NAT mode someone who routes
/// the tunnel subnet via the server reaches no client, while replies still do.
/// A `tunnel server` (IPv4 and IPv6 egress) with a `tunnel client` (alice) in client1 and
/// an internet host that knows nothing of the tunnel subnet.
final class NATEdgeSystemTests: XCTestCase {
    static let tools = ["ping", "python3", "socat", "ss"]
    static let internet = ServerLab.internet
    static let egress = ServerLab.egress
    /// An address of the server that is neither the egress nor the tunnel's (its eth2,
    /// towards client2), which alice reaches through the tunnel.
    static let otherServerAddress = "192.0.2.129"
    static let port = 7777
    /// The router's count of packets from the TUN that nobody inside asked for.
    static let unsolicitedCounter = "router_unsolicited_inbound"
    /// The server's IPv6 tunnel subnet (TunnelServerProcess's default addresses).
    static let tunnelSubnet6 = "2001:db8:100::/64"
    static let egress6 = "2001:db8:51::1"

    struct Lab {
        let topo: Topology
        let server: TunnelServerProcess
        let alice: TunnelProcess
        /// Alice's tunnel addresses, IPv4 and IPv6.
        let alice4: String
        let alice6: String
    }

    private func makeLab(egressMode: String) throws -> Lab {
        let topo = try Topology(ServerLab.topology(ipv6Egress: true), test: self)
        let server = try TunnelServerProcess(in: topo, namespace: "server", extraArguments: ["--nat-egress", egressMode])
        let alice = try server.startTunnelClient("alice", in: "client1")
        XCTAssertTrue(topo.waitUntil(timeout: 15) {
            (try? topo.attempt("client1", ["ping", "-c", "1", "-W", "1", "100.64.0.1"]).status) == 0
        }, "alice reaches the server through the tunnel: \(server.log)")
        let echo = try topo.spawn("internet", name: "udp-echo", ["python3", "-c", Self.echoScript(Self.internet)])
        XCTAssertTrue(topo.waitUntil { echo.log.contains("ready") }, echo.log)
        return Lab(topo: topo, server: server, alice: alice, alice4: try address(topo, alice, family: "-4"),
                   alice6: try address(topo, alice, family: "-6"))
    }

    /// The one global address of `family` on alice's tunnel interface.
    private func address(_ topo: Topology, _ alice: TunnelProcess, family: String) throws -> String {
        let out = try topo.run("client1", ["ip", "-o", family, "addr", "show", "dev", alice.interface, "scope", "global"])
        let words = out.split(separator: " ")
        let i = try XCTUnwrap(words.firstIndex { $0 == "inet" || $0 == "inet6" }, out)
        return String(words[i + 1].split(separator: "/")[0])
    }

    /// One process answering every datagram on `host`.
    static func echoScript(_ host: String) -> String {
        "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            + "s.bind(('\(host)', \(port)))\nprint('ready', flush=True)\n"
            + "while True:\n    data, peer = s.recvfrom(65536)\n    s.sendto(data, peer)\n"
    }

    /// Prints, for every datagram to any of the given addresses on `port`, the address it
    /// came from and what it said. (IPv6 sockets only IPv6, so "0.0.0.0" and "::" go together.)
    static let listenerScript = """
        import select, socket, sys
        socks = []
        for host in sys.argv[2:]:
            s = socket.socket(socket.AF_INET6 if ':' in host else socket.AF_INET, socket.SOCK_DGRAM)
            if ':' in host:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind((host, int(sys.argv[1])))
            socks.append(s)
        print('ready', flush=True)
        while True:
            for s in select.select(socks, [], [])[0]:
                data, peer = s.recvfrom(65536)
                print(peer[0], data.decode().strip(), flush=True)
        """

    /// Writes IP packets carrying one UDP datagram straight into alice's tunnel interface
    /// (an AF_PACKET socket: her own kernel would keep 127.0.0.1 or ::1 to itself), so the
    /// tunnel client seals them to the server as it would any packet.
    /// Arguments: interface, source, destination, port, count.
    static let injectScript = """
        import socket, struct, sys
        ifname, src, dst, port, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
        sport, payload = 40000, ('to ' + dst + '\\n').encode()
        \(PythonSnippets.internetChecksum)
        length = 8 + len(payload)
        if ':' in dst:
            family, ethertype = socket.AF_INET6, 0x86DD
            s, d = socket.inet_pton(family, src), socket.inet_pton(family, dst)
            pseudo = s + d + struct.pack('!I3xB', length, 17)
            udp = struct.pack('!HHHH', sport, port, length, checksum(pseudo + struct.pack('!HHHH', sport, port, length, 0) + payload) or 0xffff) + payload
            packet = struct.pack('!IHBB', 6 << 28, length, 17, 64) + s + d + udp
        else:
            family, ethertype = socket.AF_INET, 0x0800
            s, d = socket.inet_pton(family, src), socket.inet_pton(family, dst)
            pseudo = s + d + struct.pack('!BBH', 0, 17, length)
            udp = struct.pack('!HHHH', sport, port, length, checksum(pseudo + struct.pack('!HHHH', sport, port, length, 0) + payload) or 0xffff) + payload
            header = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + length, 0, 0, 64, 17, 0, s, d)
            packet = header[:10] + struct.pack('!H', checksum(header)) + header[12:] + udp
        out = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ethertype))
        for _ in range(count):
            out.sendto(packet, (ifname, ethertype))
        print('sent', count, flush=True)
        """

    private func script(_ lab: Lab, _ name: String, _ text: String) throws -> String {
        let path = lab.topo.logDirectory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The NAT's drops by reason, from `tunnel status --json`.
    private func drops(_ lab: Lab) throws -> [String: Int] {
        let out = try lab.topo.run("server", [SystemTestEnvironment.tunnelBinary!, "status", lab.server.interface, "--json"])
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let interface = try XCTUnwrap((doc["interfaces"] as? [[String: Any]])?.first)
        return try XCTUnwrap((interface["nat"] as? [String: Any])?["drops"] as? [String: Int])
    }

    private func routerCounter(_ lab: Lab, _ name: String) -> UInt64? {
        (try? lab.topo.tunnelCounters("server", lab.server.interface))?[name]
    }

    private func metrics(_ lab: Lab) throws -> String {
        try lab.topo.run("server", [SystemTestEnvironment.tunnelBinary!, "status", lab.server.interface, "--prometheus"])
    }

    private func udpEcho(_ lab: Lab, _ text: String) throws -> String {
        try lab.topo.run("client1", ["socat", "-T", "5", "-", "UDP4:\(Self.internet):\(Self.port)"], input: text)
    }

    private func startListener(_ lab: Lab, name: String, on hosts: [String]) throws -> BackgroundProcess {
        let path = try script(lab, "\(name).py", Self.listenerScript)
        let listener = try lab.topo.spawn("server", name: name, ["python3", path, "\(Self.port)"] + hosts)
        XCTAssertTrue(lab.topo.waitUntil { listener.log.contains("ready") }, listener.log)
        return listener
    }

    // MARK: item 3: special destinations and the server's own addresses

    /// Sends, from alice's tunnel interface, datagrams to every kind of special destination
    /// and to the broadcast addresses of the server's subnets; checks the server's listener
    /// (on every address) got none, each reason counts exactly what was sent, the internet
    /// still answers, and the server's other address sees alice's own address.
    private func checkSpecialDestinationsAreRefused(egressMode: String) throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let lab = try makeLab(egressMode: egressMode)
        XCTAssertTrue(lab.server.log.contains(egressMode == "tun" ? "forwarded from the TUN" : "sent by raw socket"),
                      lab.server.log)
        let listener = try startListener(lab, name: "host-listener", on: ["0.0.0.0", "::"])
        let inject = try script(lab, "inject.py", Self.injectScript)
        let sends: [(destination: String, count: Int)] = [
            ("127.0.0.1", 3), ("::1", 2), ("::ffff:127.0.0.1", 1), ("0.0.0.0", 1), ("224.0.0.1", 1),
            ("255.255.255.255", 1), ("169.254.1.1", 1), ("ff02::1", 1), ("fe80::1", 1),
            // The broadcast addresses of the server's egress subnet and of client1's link.
            ("198.51.100.255", 1), ("192.0.2.127", 1),
        ]
        for (destination, count) in sends {
            let source = destination.contains(":") ? lab.alice6 : lab.alice4
            XCTAssertEqual(try lab.topo.run("client1", ["python3", inject, lab.alice.interface, source, destination,
                                                        "\(Self.port)", "\(count)"]), "sent \(count)\n")
        }
        let expected = ["loopback": 6, "unspecified": 1, "multicast": 2, "broadcast": 3, "link_local": 2]
        XCTAssertTrue(lab.topo.waitUntil(timeout: 10) {
            guard let d = try? self.drops(lab) else { return false }
            return expected.allSatisfy { d[$0.key] == $0.value }
        }, "each reason counts exactly what was sent: \(String(describing: try? drops(lab)))")

        // The internet still answers, and its echo comes after every probe was handled.
        XCTAssertEqual(try udpEcho(lab, "still out\n"), "still out\n")
        XCTAssertEqual(listener.log, "ready\n", "nothing reached the server's loopback or its subnets' broadcasts")
        let after = try drops(lab)
        XCTAssertEqual(after.filter { $0.value != 0 }, expected, "no other reason counted")

        let prometheus = try metrics(lab)
        for (reason, count) in expected {
            XCTAssertTrue(prometheus.contains("reason=\"\(reason)\"} \(count)"), "metrics show \(reason): \(prometheus)")
        }

        // The server's other address is the host itself, and sees alice as herself.
        try lab.topo.run("client1", ["socat", "-u", "-", "UDP4:\(Self.otherServerAddress):\(Self.port)"],
                         input: "hello host\n")
        XCTAssertTrue(lab.topo.waitUntil { listener.log.contains("hello host") }, listener.log)
        XCTAssertEqual(listener.log, "ready\n\(lab.alice4) hello host\n", "source kept: alice's tunnel address")
        XCTAssertEqual(try drops(lab).filter { $0.value != 0 }, expected, "not a NAT matter")
    }

    func testSpecialDestinationsAreRefusedWithTunEgress() throws {
        try checkSpecialDestinationsAreRefused(egressMode: "tun")
    }

    func testSpecialDestinationsAreRefusedWithSocketEgress() throws {
        try checkSpecialDestinationsAreRefused(egressMode: "socket")
    }

    // MARK: item 4: nobody outside reaches a client unasked

    /// The internet host routes the tunnel subnets (100.64.0.0/24 and the IPv6 one) via the
    /// server and pings alice and sends her UDP over both families: none of it reaches her
    /// (her interface's receive counter stays put, her listener hears nothing). The router
    /// drops and counts the IPv4 packets; the IPv6 ones the kernel refuses before the
    /// tunnel (administratively prohibited), even with the server's own address spoofed as
    /// their source, which IPv6 does not check the way IPv4 does. Her own traffic's replies
    /// still come back.
    func testUnsolicitedInboundToAClientIsDroppedAndCounted() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let lab = try makeLab(egressMode: "tun")
        try lab.topo.run("internet", ["ip", "route", "add", "100.64.0.0/24", "via", Self.egress])
        try lab.topo.run("internet", ["ip", "-6", "route", "add", Self.tunnelSubnet6, "via", Self.egress6])
        let path = try script(lab, "alice-listener.py", Self.listenerScript)
        let listener = try lab.topo.spawn("client1", name: "alice-listener",
                                          ["python3", path, "\(Self.port)", lab.alice4, lab.alice6])
        XCTAssertTrue(lab.topo.waitUntil { listener.log.contains("ready") }, listener.log)
        let before = try lab.topo.linkPackets("client1", lab.alice.interface).rx
        XCTAssertEqual(routerCounter(lab, Self.unsolicitedCounter), 0)

        let pings = 3, datagrams = 4
        for target in [lab.alice4, lab.alice6] {
            let ping = try lab.topo.attempt("internet", ["ping", "-c", "\(pings)", "-i", "0.2", "-W", "1", target])
            XCTAssertTrue(ping.stdout.contains("\(pings) packets transmitted, 0 received"), ping.stdout)
        }
        let refused6 = try lab.topo.attempt("internet", ["ping", "-c", "1", "-W", "1", lab.alice6])
        XCTAssertTrue(refused6.stdout.contains("Administratively prohibited"), refused6.stdout)
        for i in 0..<datagrams {
            try lab.topo.run("internet", ["socat", "-u", "-", "UDP4:\(lab.alice4):\(Self.port)"], input: "unasked \(i)\n")
            try lab.topo.run("internet", ["socat", "-u", "-", "UDP6:[\(lab.alice6)]:\(Self.port)"], input: "unasked \(i)\n")
        }
        // The server's own egress address as source: the internet host takes it (no DAD)
        // and reaches the server by its link-local address.
        let serverLinkLocal = try lab.topo.run("server", ["ip", "-6", "-o", "addr", "show", "dev", "eth1", "scope", "link"])
            .split(separator: " ").drop { $0 != "inet6" }.dropFirst().first.map { String($0.split(separator: "/")[0]) }
        try lab.topo.run("internet", ["ip", "-6", "addr", "add", "\(Self.egress6)/128", "dev", "eth0", "nodad"])
        try lab.topo.run("internet", ["ip", "-6", "route", "replace", Self.tunnelSubnet6, "via", try XCTUnwrap(serverLinkLocal),
                                     "dev", "eth0"])
        for i in 0..<datagrams {
            try lab.topo.run("internet", ["socat", "-u", "-", "UDP6:[\(lab.alice6)]:\(Self.port),bind=[\(Self.egress6)]"],
                             input: "spoofed \(i)\n")
        }
        let spoofedPing = try lab.topo.attempt("internet", ["ping", "-c", "\(pings)", "-i", "0.2", "-W", "1",
                                                            "-I", Self.egress6, lab.alice6])
        XCTAssertTrue(spoofedPing.stdout.contains("\(pings) packets transmitted, 0 received"), spoofedPing.stdout)
        try lab.topo.run("internet", ["ip", "-6", "addr", "del", "\(Self.egress6)/128", "dev", "eth0"])
        let unasked = UInt64(pings + datagrams)
        XCTAssertTrue(lab.topo.waitUntil(timeout: 10) {
            self.routerCounter(lab, Self.unsolicitedCounter) == unasked
        }, "every unasked packet counted: \(String(describing: routerCounter(lab, Self.unsolicitedCounter)))")

        // Alice's own traffic still gets its replies, after which nothing else has arrived.
        XCTAssertEqual(try udpEcho(lab, "asked\n"), "asked\n")
        let own = try lab.topo.run("client1", ["ping", "-c", "2", "-i", "0.2", "-W", "2", Self.internet])
        XCTAssertTrue(own.contains("2 received"), own)
        XCTAssertEqual(try lab.topo.linkPackets("client1", lab.alice.interface).rx, before + 3,
                       "only the echo and the two ping replies reached alice")
        XCTAssertEqual(listener.log, "ready\n", "alice's listener heard nobody, spoofed or not")
        XCTAssertEqual(routerCounter(lab, Self.unsolicitedCounter), unasked)
        let prometheus = try metrics(lab)
        XCTAssertTrue(prometheus.contains("tunnel_\(Self.unsolicitedCounter){interface=\"\(lab.server.interface)\"} \(unasked)"),
                      "in the metrics too: \(prometheus)")
    }
}
