import Foundation
import Netlink
import XCTest

/// A host whose nf_tables FORWARD chain drops by policy (Docker and ufw set one) would
/// swallow the NAT's forwarded packets without a word. The server reads the ruleset over
/// nfnetlink at start: with no `--nat-egress` it refuses, changing nothing, and says what
/// to add; with accept rules in the chain and `--nat-egress tun` or `socket` it starts and
/// the clients' ping and TCP reach the internet host through those rules. A chain whose
/// policy accepts changes nothing; `--nat off` only warns.
final class ForwardDropSystemTests: XCTestCase {
    static let tools = ["ping", "nft", "socat"]
    /// The chain the test turns to drop, and an ip6 chain that drops from the start: the
    /// lab's egress has no IPv6, so the NAT forwards none and that chain must not count.
    static let forwardChain = """
        table inet filter {
            chain forward {
                type filter hook forward priority 0; policy accept;
            }
        }
        table ip6 v6only {
            chain v6forward {
                type filter hook forward priority 0; policy drop;
            }
        }

        """

    func testADroppingForwardChainIsFoundAndTheNATRunsOnlyThroughAcceptRules() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let topo = try Topology(ServerLab.topology(clients: 1), test: self)
        try topo.run("server", ["nft", "-f", "-"], input: Self.forwardChain)
        _ = try topo.spawn("internet", name: "tcp-echo",
                           ["socat", "TCP4-LISTEN:7000,bind=\(ServerLab.internet),fork,reuseaddr", "PIPE"])

        // Policy accept (and an ip6 drop the NAT does not meet): the default TUN egress, no
        // word about FORWARD.
        let accepting = try TunnelServerProcess(in: topo, namespace: "server")
        XCTAssertTrue(topo.waitUntil { accepting.log.contains("server on ") }, accepting.log)
        XCTAssertTrue(accepting.log.contains("translated packets forwarded from the TUN"), accepting.log)
        XCTAssertFalse(accepting.log.contains("drops forwarded packets"), accepting.log)
        accepting.process.signal(SIGTERM)
        XCTAssertEqual(accepting.process.wait(timeout: 10), 0, accepting.log)

        // Policy drop, no --nat-egress: refused before anything changed, naming what to add.
        try topo.run("server", "nft", "chain", "inet", "filter", "forward", "{ policy drop; }")
        let before = try topo.networkState("server", sysctls: ["net.ipv4.ip_forward"])
        let tun = topo.uniqueInterfaceName("sfw")
        let configPath = topo.logDirectory.appendingPathComponent("refused.conf").path
        let refused = try topo.attempt("server", [SystemTestEnvironment.tunnelBinary!, "server", "--listen", "0.0.0.0:51820",
                                                  "--config", configPath, "--interface", tun, "--address", "100.64.0.1/24"])
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertEqual(refused.stderr, """
            Error: nf_tables chain 'inet filter forward' drops forwarded packets by policy, and the NAT's replies reach \
            \(tun) by forwarding (so do its translated packets unless --nat-egress socket): add 'iifname "\(tun)" accept' \
            and 'oifname "\(tun)" accept' there, then start with --nat-egress tun (or --nat-egress socket, which needs \
            only the oifname rule)

            """)
        XCTAssertFalse(FileManager.default.fileExists(atPath: configPath), "a refused start writes no config")
        assertSameNetworkState(try topo.networkState("server", sysctls: ["net.ipv4.ip_forward"]), before,
                               "a refused start changes nothing")

        // Routed (--nat off), forwarding is the operator's design: a warning, and it starts.
        // Its tunnel's IPv6 is routed, so the ip6 chain counts here.
        let routed = try TunnelServerProcess(in: topo, namespace: "server", extraArguments: ["--nat", "off"])
        XCTAssertTrue(topo.waitUntil { routed.log.contains("server on ") }, routed.log)
        XCTAssertTrue(routed.log.contains("""
            nf_tables chain 'inet filter forward', 'ip6 v6only v6forward' drops forwarded packets by policy: with --nat off \
            the clients' traffic passes only if it accepts what comes from \(routed.interface) and goes to it
            """), routed.log)
        routed.process.stop()

        // Why the default refuses rather than switching to the socket egress by itself: with
        // no accept rule, the socket egress gets ping through (ICMP replies come by raw
        // socket) but not TCP, whose replies are forwarded into the TUN and dropped.
        let halfWorking = try TunnelServerProcess(in: topo, namespace: "server", extraArguments: ["--nat-egress", "socket"])
        XCTAssertTrue(topo.waitUntil { halfWorking.log.contains("server on ") }, halfWorking.log)
        let carol = try halfWorking.startTunnelClient("carol", in: "client1")
        XCTAssertTrue(topo.waitUntil(timeout: 15) {
            (try? topo.attempt("client1", ["ping", "-c", "1", "-W", "1", ServerLab.internet]).status) == 0
        }, "ping passes the socket egress: \(halfWorking.log)\n\(carol.log)")
        let dropped = try topo.attempt("client1", ["socat", "-T", "2", "-", "TCP4:\(ServerLab.internet):7000,connect-timeout=2"])
        XCTAssertNotEqual(dropped.status, 0, "the SYN-ACK is forwarded into the TUN and dropped: \(dropped.stdout)")
        XCTAssertEqual(dropped.stdout, "")
        carol.process.stop()
        halfWorking.process.stop()

        // Accept rules for what crosses the egress (both directions), counted.
        try topo.run("server", "nft", "add", "rule", "inet", "filter", "forward", "iifname", "eth1", "counter", "accept")
        try topo.run("server", "nft", "add", "rule", "inet", "filter", "forward", "oifname", "eth1", "counter", "accept")

        // --nat-egress tun: translated packets and replies are both forwarded.
        let throughTun = try TunnelServerProcess(in: topo, namespace: "server", extraArguments: ["--nat-egress", "tun"])
        XCTAssertTrue(topo.waitUntil { throughTun.log.contains("server on ") }, throughTun.log)
        XCTAssertTrue(throughTun.log.contains("""
            nf_tables chain 'inet filter forward' drops forwarded packets by policy: the NAT's packets pass only if it \
            accepts what goes to \(throughTun.interface) and comes from it
            """), throughTun.log)
        XCTAssertTrue(throughTun.log.contains("translated packets forwarded from the TUN"), throughTun.log)
        let alice = try throughTun.startTunnelClient("alice", in: "client1")
        let viaTun = try exchange(topo, server: throughTun, client: alice)
        XCTAssertGreaterThan(viaTun.out, 0, "translated packets crossed FORWARD through the accept rule")
        XCTAssertGreaterThan(viaTun.in, 0, "TCP replies crossed FORWARD into the TUN through the accept rule")
        alice.process.stop()
        throughTun.process.stop()

        // --nat-egress socket: translated packets leave past OUTPUT, replies are still forwarded.
        let bySocket = try TunnelServerProcess(in: topo, namespace: "server", extraArguments: ["--nat-egress", "socket"])
        XCTAssertTrue(topo.waitUntil { bySocket.log.contains("server on ") }, bySocket.log)
        XCTAssertTrue(bySocket.log.contains("""
            nf_tables chain 'inet filter forward' drops forwarded packets by policy: the NAT's packets pass only if it \
            accepts what goes to \(bySocket.interface)
            """), bySocket.log)
        XCTAssertTrue(bySocket.log.contains("translated packets sent by raw socket"), bySocket.log)
        let bob = try bySocket.startTunnelClient("bob", in: "client1")
        let viaSocket = try exchange(topo, server: bySocket, client: bob)
        XCTAssertEqual(viaSocket.out, 0, "nothing the NAT sent crossed FORWARD")
        XCTAssertGreaterThan(viaSocket.in, 0, "TCP replies crossed FORWARD into the TUN through the accept rule")
    }

    /// The nfnetlink dump finds exactly the base chains on the forward hook of inet, ip and
    /// ip6, with their policies: not input chains, not regular chains, not other families.
    func testForwardChainsAreReadOverNfnetlink() throws {
        try requireSystemTestPrerequisites(tools: ["nft"])
        let topo = try Topology("ns rules\nns empty", test: self)
        try topo.run("rules", ["nft", "-f", "-"], input: """
            table inet filter {
                chain input { type filter hook input priority 0; policy drop; }
                chain forward { type filter hook forward priority 0; policy drop; }
                chain jumped { }
            }
            table ip docker {
                chain FORWARD { type filter hook forward priority 10; policy accept; }
            }
            table ip6 guard {
                chain fwd6 { type filter hook forward priority -5; policy drop; }
            }
            table bridge br {
                chain forward { type filter hook forward priority 0; policy drop; }
            }
            table arp a {
                chain input { type filter hook input priority 0; policy drop; }
            }

            """)
        let chains = try topo.enter("rules") { try NFTablesRuleset.forwardChains() }
            .sorted { $0.description < $1.description }
        XCTAssertEqual(chains, [
            ForwardChain(family: "inet", table: "filter", name: "forward", dropsByDefault: true),
            ForwardChain(family: "ip", table: "docker", name: "FORWARD", dropsByDefault: false),
            ForwardChain(family: "ip6", table: "guard", name: "fwd6", dropsByDefault: true),
        ])
        XCTAssertEqual(try topo.enter("empty") { try NFTablesRuleset.forwardChains() }, [],
                       "a namespace without rules has none (nf_tables rulesets are per namespace)")
    }

    /// Pings the internet host and echoes a line over TCP through the tunnel; returns how
    /// many packets each accept rule counted meanwhile (out: leaving by eth1, in: arriving on it).
    private func exchange(_ topo: Topology, server: TunnelServerProcess,
                          client: TunnelProcess) throws -> (out: UInt64, in: UInt64) {
        let start = try acceptCounts(topo)
        XCTAssertTrue(topo.waitUntil(timeout: 15) {
            (try? topo.attempt("client1", ["ping", "-c", "1", "-W", "1", ServerLab.internet]).status) == 0
        }, "ping through the tunnel: \(server.log)\n\(client.log)")
        let echoed = try topo.run("client1", ["socat", "-T", "5", "-", "TCP4:\(ServerLab.internet):7000"], input: "hello\n")
        XCTAssertEqual(echoed, "hello\n", "TCP through the NAT: \(server.log)")
        let end = try acceptCounts(topo)
        return (end.out - start.out, end.in - start.in)
    }

    /// The packet counters of the two accept rules, from `nft list chain`.
    private func acceptCounts(_ topo: Topology) throws -> (out: UInt64, in: UInt64) {
        let listing = try topo.run("server", "nft", "list", "chain", "inet", "filter", "forward")
        func count(_ match: String) throws -> UInt64 {
            let line = try XCTUnwrap(listing.split(separator: "\n").first { $0.contains(match) }, listing)
            let words = line.split(separator: " ")
            let index = try XCTUnwrap(words.firstIndex(of: "packets"), String(line))
            return try XCTUnwrap(UInt64(words[index + 1]), String(line))
        }
        return (try count("oifname \"eth1\""), try count("iifname \"eth1\""))
    }
}
