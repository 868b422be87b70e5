import Foundation
import XCTest

/// How the server's NAT leaves the host, as README.md and Docs/server.md promise:
/// - `--egress IFACE` on a server with two uplinks: the NAT's packets leave by the named
///   one with its address, replies come back through it, and the other uplink (the one of
///   the default route) carries none of them;
/// - on a host whose FORWARD chain drops (a real nftables ruleset in the server's
///   namespace), the default `--nat-egress tun` has the clients' traffic dropped there
///   (the chain's counter says so), and `--nat-egress socket` carries it past OUTPUT.
final class ServerEgressSystemTests: XCTestCase {
    static let tools = ["ping", "tcpdump", "socat"]

    // MARK: helpers

    private func capture(_ topo: Topology, _ ns: String, _ iface: String, _ name: String) throws -> (BackgroundProcess, String) {
        let path = topo.logDirectory.appendingPathComponent("\(name).pcap").path
        let p = try topo.spawn(ns, name: "tcpdump-\(name)", ["tcpdump", "-i", iface, "-n", "-U", "--immediate-mode", "-w", path])
        XCTAssertTrue(topo.waitUntil { p.log.contains("listening") }, p.log)
        return (p, path)
    }

    private func stop(_ capture: (BackgroundProcess, String)) {
        capture.0.signal(SIGINT)
        _ = capture.0.wait(timeout: 5)
    }

    /// The packets of a stopped capture that match `filter`, one line each.
    private func packets(_ capture: (BackgroundProcess, String), _ filter: String) throws -> [Substring] {
        try Command.check(["tcpdump", "-n", "-r", capture.1, filter]).split(separator: "\n")
    }

    /// Waits until the client's tunnel answers a ping to `target` (the first handshake).
    private func waitForPath(_ topo: Topology, _ ns: String, _ target: String) -> Bool {
        topo.waitUntil(timeout: 15) {
            (try? topo.attempt(ns, ["ping", "-c", "1", "-W", "1", target]).status) == 0
        }
    }

    // MARK: --egress

    func testNamedEgressCarriesTheNATAndTheDefaultRouteUplinkSeesNone() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        // Two uplinks: eth1 holds the default route, eth3 (named with --egress) leads to
        // isp2, which has no route back to 198.51.100.0/24 or to the tunnel.
        let topo = try Topology("""
            client1 eth0 192.0.2.2/24 -- server eth0 192.0.2.1/24
            server eth1 198.51.100.1/24 -- isp1 eth0 198.51.100.2/24
            server eth3 203.0.113.1/24 -- isp2 eth0 203.0.113.2/24
            route client1 default via 192.0.2.1
            route server default via 198.51.100.2
            """, test: self)
        let server = try TunnelServerProcess(in: topo, namespace: "server", extraArguments: ["--egress", "eth3"])
        let alice = try server.startTunnelClient("alice", in: "client1")
        _ = try topo.spawn("isp2", name: "udp-echo", ["socat", "UDP4-RECVFROM:7777,bind=203.0.113.2,fork", "PIPE"])
        XCTAssertTrue(server.log.contains("NAT through eth3 (203.0.113.1"), server.log)
        // The diversion rules for replies to NAT ports are keyed on the named interface.
        let rules = try topo.run("server", "ip", "rule")
        XCTAssertTrue(rules.contains("iif eth3"), rules)
        XCTAssertFalse(rules.contains("iif eth1"), rules)
        XCTAssertTrue(waitForPath(topo, "client1", "203.0.113.2"), server.log + alice.log)

        let named = try capture(topo, "server", "eth3", "eth3")
        let other = try capture(topo, "server", "eth1", "eth1")
        let tunnelBefore = try topo.linkPackets("client1", alice.interface)
        let ping = try topo.attempt("client1", ["ping", "-c", "3", "-i", "0.2", "-W", "2", "203.0.113.2"])
        XCTAssertEqual(ping.status, 0, ping.stdout + ping.stderr)
        XCTAssertTrue(ping.stdout.contains("3 packets transmitted, 3 received"), ping.stdout)
        let echoed = try topo.run("client1", ["socat", "-T", "3", "-", "UDP4:203.0.113.2:7777,sourceport=40000"],
                                  input: "by eth3\n")
        XCTAssertEqual(echoed, "by eth3\n", "a UDP reply came back to the NAT port through eth3's diversion rule")
        let tunnelAfter = try topo.linkPackets("client1", alice.interface)
        stop(named)
        stop(other)

        // Out of eth3, translated to its address: exactly the three echo requests and the one
        // datagram, and their replies back in.
        XCTAssertEqual(try packets(named, "src host 203.0.113.1 and dst host 203.0.113.2 and icmp[icmptype] == icmp-echo").count, 3)
        XCTAssertEqual(try packets(named, "src host 203.0.113.2 and dst host 203.0.113.1 and icmp[icmptype] == icmp-echoreply").count, 3)
        XCTAssertEqual(try packets(named, "src host 203.0.113.1 and dst host 203.0.113.2 and udp dst port 7777").count, 1)
        XCTAssertEqual(try packets(named, "src host 203.0.113.2 and dst host 203.0.113.1 and udp src port 7777").count, 1)
        XCTAssertEqual(try packets(named, "net 100.64.0.0/10 or host 198.51.100.1").count, 0,
                       "nothing untranslated, nothing with the other uplink's address")
        // The default route's uplink saw no IPv4 packet at all.
        XCTAssertEqual(try packets(other, "ip").count, 0, "no translated packet left by eth1")
        // And it all crossed the tunnel: the client's TUN carried the four requests and the four replies.
        XCTAssertGreaterThanOrEqual(tunnelAfter.tx - tunnelBefore.tx, 4, "requests into the client's tunnel")
        XCTAssertGreaterThanOrEqual(tunnelAfter.rx - tunnelBefore.rx, 4, "replies out of the client's tunnel")
    }

    // MARK: --nat-egress on a host whose FORWARD chain drops

    /// FORWARD drops what it does not know, as ufw sets it up (policy drop; replies to
    /// connections the host knows are accepted). Every packet the chain sees is counted
    /// first. OUTPUT accepts and counts what the host itself sends to the internet host.
    static let forwardDrops = """
        table inet filter {
            chain forward {
                type filter hook forward priority 0; policy drop;
                counter comment "seen"
                ct state established,related accept
            }
            chain output {
                type filter hook output priority 0; policy accept;
                ip daddr 198.51.100.2 counter comment "sent"
            }
        }
        """

    /// The packets of the one counter in a chain of `inet filter`.
    private func counter(_ topo: Topology, _ chain: String) throws -> UInt64 {
        let text = try topo.run("server", "nft", "list", "chain", "inet", "filter", chain)
        let words = try XCTUnwrap(text.components(separatedBy: "counter packets ").dropFirst().first, text)
        return try XCTUnwrap(UInt64(words.prefix { $0.isNumber }), text)
    }

    private struct DropLab {
        let topo: Topology
        let server: TunnelServerProcess
        let alice: TunnelProcess
    }

    private func dropLab(natEgress: String) throws -> DropLab {
        let topo = try Topology(ServerLab.topology(clients: 1), test: self)
        try topo.run("server", ["nft", "-f", "-"], input: Self.forwardDrops)
        let server = try TunnelServerProcess(in: topo, namespace: "server", extraArguments: ["--nat-egress", natEgress])
        let alice = try server.startTunnelClient("alice", in: "client1")
        // The server's own tunnel address is not forwarded: the handshake and a ping to it
        // show the tunnel is up whatever FORWARD does.
        XCTAssertTrue(waitForPath(topo, "client1", "100.64.0.1"), server.log + alice.log)
        _ = try topo.spawn("internet", name: "udp-echo", ["socat", "UDP4-RECVFROM:7777,bind=198.51.100.2,fork", "PIPE"])
        return DropLab(topo: topo, server: server, alice: alice)
    }

    func testForwardChainThatDropsStopsTheNATThroughTheTun() throws {
        try requireSystemTestPrerequisites(tools: Self.tools + ["nft"], needsTunnelBinary: true)
        let lab = try dropLab(natEgress: "tun")
        XCTAssertTrue(lab.server.log.contains("translated packets forwarded from the TUN"), lab.server.log)
        let seenBefore = try counter(lab.topo, "forward"), sentBefore = try counter(lab.topo, "output")
        let tunnelBefore = try lab.topo.linkPackets("client1", lab.alice.interface)
        let ping = try lab.topo.attempt("client1", ["ping", "-c", "3", "-i", "0.2", "-W", "1", ServerLab.internet])
        XCTAssertTrue(ping.stdout.contains("3 packets transmitted, 0 received"), ping.stdout)
        let echo = try Command.run(["ip", "netns", "exec", lab.topo.ns("client1"),
                                    "socat", "-T", "2", "-", "UDP4:\(ServerLab.internet):7777"], input: "dropped\n")
        XCTAssertEqual(echo.stdout, "", "no UDP reply")
        // The requests crossed the tunnel and were translated, then FORWARD dropped them:
        // the chain saw each one, and the host sent none to the internet itself.
        XCTAssertGreaterThanOrEqual(try lab.topo.linkPackets("client1", lab.alice.interface).tx - tunnelBefore.tx, 4)
        XCTAssertEqual(try counter(lab.topo, "forward") - seenBefore, 4,
                       "FORWARD saw the three translated echo requests and the datagram")
        XCTAssertEqual(try counter(lab.topo, "output") - sentBefore, 0, "nothing went out past OUTPUT")
    }

    func testSocketEgressPassesAForwardChainThatDrops() throws {
        try requireSystemTestPrerequisites(tools: Self.tools + ["nft"], needsTunnelBinary: true)
        let lab = try dropLab(natEgress: "socket")
        XCTAssertTrue(lab.server.log.contains("translated packets sent by raw socket"), lab.server.log)
        let seenBefore = try counter(lab.topo, "forward"), sentBefore = try counter(lab.topo, "output")
        let tunnelBefore = try lab.topo.linkPackets("client1", lab.alice.interface)
        let ping = try lab.topo.attempt("client1", ["ping", "-c", "3", "-i", "0.2", "-W", "2", ServerLab.internet])
        XCTAssertTrue(ping.stdout.contains("3 packets transmitted, 3 received"), ping.stdout + ping.stderr)
        let echoed = try lab.topo.run("client1", ["socat", "-T", "3", "-", "UDP4:\(ServerLab.internet):7777"],
                                      input: "past OUTPUT\n")
        XCTAssertEqual(echoed, "past OUTPUT\n", "a UDP datagram and its reply")
        let tunnel = try lab.topo.linkPackets("client1", lab.alice.interface)
        // Out past OUTPUT: the three echo requests and the datagram, sent by the host.
        XCTAssertEqual(try counter(lab.topo, "output") - sentBefore, 4, "the NAT's packets left past OUTPUT")
        // FORWARD saw only the UDP reply on its way into the TUN (a reply to what the host
        // sent, so accepted); the echo replies reach the NAT as raw-socket copies.
        XCTAssertEqual(try counter(lab.topo, "forward") - seenBefore, 1, "no request was forwarded")
        XCTAssertGreaterThanOrEqual(tunnel.tx - tunnelBefore.tx, 4, "requests into the client's tunnel")
        XCTAssertGreaterThanOrEqual(tunnel.rx - tunnelBefore.rx, 4, "replies out of the client's tunnel")
    }
}
