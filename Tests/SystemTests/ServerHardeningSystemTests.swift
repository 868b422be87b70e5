import Foundation
import XCTest

/// A `tunnel server` under hostile or heavy use: the server host's own ICMP, floods of
/// ICMP and of handshake initiations, and a signal that must still be heard through it.
final class ServerHardeningSystemTests: XCTestCase {
    static let tools = ["ping", "python3", "tcpdump"]

    struct Lab {
        let topo: Topology
        let server: TunnelServerProcess
        let alice: TunnelProcess
    }

    /// client -- server -- internet, IPv4 and IPv6 on the egress; alice is a `tunnel client`.
    private func makeLab() throws -> Lab {
        let topo = try Topology("""
            client1 eth0 192.0.2.2/24 -- server eth0 192.0.2.1/24
            server eth1 198.51.100.1/24 2001:db8:51::1/64 -- internet eth0 198.51.100.2/24 2001:db8:51::2/64
            route client1 default via 192.0.2.1
            route server default via 198.51.100.2
            route server default via 2001:db8:51::2
            """, test: self)
        let server = try TunnelServerProcess(in: topo, namespace: "server")
        let config = try server.addPeer("alice", endpoint: "192.0.2.1:51820")
        let alice = try TunnelProcess(in: topo, namespace: "client1", keys: try WireGuardKeys.generate(), config: config)
        return Lab(topo: topo, server: server, alice: alice)
    }

    /// One object of the server's `tunnel status --json` ("counters", "drops"), as numbers.
    private func counters(_ lab: Lab, _ key: String = "counters") throws -> [String: UInt64] {
        let json = try lab.topo.run("server", [SystemTestEnvironment.tunnelBinary!, "status", lab.server.interface, "--json"])
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let interfaces = try XCTUnwrap(doc["interfaces"] as? [[String: Any]])
        let counters = try XCTUnwrap(interfaces.first?[key] as? [String: Any])
        return counters.compactMapValues { ($0 as? NSNumber)?.uint64Value }
    }

    /// Packets the server wrote into its TUN (the kernel counts them as received).
    private func tunReceived(_ lab: Lab) throws -> UInt64 {
        let json = try lab.topo.run("server", ["ip", "-j", "-s", "link", "show", lab.server.interface])
        let links = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        let stats = try XCTUnwrap(links.first?["stats64"] as? [String: Any])
        let rx = try XCTUnwrap(stats["rx"] as? [String: Any])
        return try XCTUnwrap((rx["packets"] as? NSNumber)?.uint64Value)
    }

    private func aliceReachesTheInternet(_ lab: Lab) -> Bool {
        lab.topo.waitUntil(timeout: 15) {
            (try? lab.topo.attempt("client1", ["ping", "-c", "1", "-W", "1", "198.51.100.2"]).status) == 0
        }
    }

    /// Defect: an ICMP message to the egress address that no mapping owns (the server host's
    /// own ping) was handed back to the kernel, copied to the raw socket again, and looped.
    func testTheServerHostsOwnPingAndTracerouteDoNotLoop() throws {
        try requireSystemTestPrerequisites(tools: Self.tools + ["tracepath"], needsTunnelBinary: true)
        let lab = try makeLab()
        XCTAssertTrue(aliceReachesTheInternet(lab), lab.server.log)
        let tunBefore = try tunReceived(lab)

        let ping4 = try lab.topo.run("server", ["ping", "-c", "5", "-i", "0.2", "-W", "2", "198.51.100.2"])
        XCTAssertTrue(ping4.contains("5 packets transmitted, 5 received"), ping4)
        let ping6 = try lab.topo.run("server", ["ping", "-6", "-c", "5", "-i", "0.2", "-W", "2", "2001:db8:51::2"])
        XCTAssertTrue(ping6.contains("5 packets transmitted, 5 received"), ping6)
        // ICMP errors to the host itself: port unreachable from tracepath's last hop.
        let trace = try lab.topo.run("server", ["tracepath", "-n", "-m", "3", "198.51.100.2"])
        XCTAssertTrue(trace.contains("reached"), trace)

        let c = try counters(lab)
        XCTAssertEqual(c["router_returned_to_kernel"], 0, "nothing was handed back to the kernel")
        // 5 + 5 echo replies, and tracepath's port unreachable(s): every one a copy the NAT left alone.
        XCTAssertGreaterThanOrEqual(c["router_foreign_icmp"] ?? 0, 11, "\(c)")
        XCTAssertEqual(try tunReceived(lab), tunBefore, "no packet went back into the kernel through the TUN")
        // Still serving: alice's ping goes through, and the control socket answered above.
        let alice = try lab.topo.run("client1", ["ping", "-c", "3", "-i", "0.2", "-W", "2", "198.51.100.2"])
        XCTAssertTrue(alice.contains("3 received"), alice)
    }

    /// No source of events may starve the queue: under an ICMP flood to the egress address
    /// and a flood of garbage datagrams to the listening port, SIGTERM still ends the server
    /// cleanly.
    func testSIGTERMIsHeardUnderAFlood() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let lab = try makeLab()
        XCTAssertTrue(aliceReachesTheInternet(lab), lab.server.log)
        let icmpFlood = try lab.topo.spawn("internet", name: "icmp-flood", ["ping", "-f", "-q", "-w", "60", "198.51.100.1"])
        let udpFlood = try lab.topo.spawn("client1", name: "udp-flood", ["python3", "-c", """
            import socket, time
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            junk = bytes([4, 0, 0, 0]) + bytes(60)
            end = time.time() + 60
            while time.time() < end:
                for _ in range(1000):
                    try: s.sendto(junk, ("192.0.2.1", 51820))
                    except OSError: pass
            """])
        // The flood is arriving: the server counts the garbage it drops.
        XCTAssertTrue(lab.topo.waitUntil(timeout: 10) {
            ((try? counters(lab, "drops"))?["unknown_index"] ?? 0) > 10_000
        }, "the flood reaches the server")
        lab.server.process.signal(SIGTERM)
        let status = lab.server.process.wait(timeout: 5)
        icmpFlood.stop()
        udpFlood.stop()
        XCTAssertEqual(status, 0, "the server heard SIGTERM and exited cleanly: \(lab.server.log.suffix(2000))")
        XCTAssertTrue(lab.server.log.contains("everything restored"), String(lab.server.log.suffix(2000)))
    }
}
