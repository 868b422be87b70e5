import Config
import Foundation
import WireGuard
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
    private func makeLab(logLevel: String = "debug") throws -> Lab {
        let topo = try Topology(ServerLab.topology(clients: 1, ipv6Egress: true), test: self)
        let server = try TunnelServerProcess(in: topo, namespace: "server", logLevel: logLevel)
        let alice = try server.startTunnelClient("alice", in: "client1")
        return Lab(topo: topo, server: server, alice: alice)
    }

    private func counters(_ lab: Lab, _ key: String = "counters") throws -> [String: UInt64] {
        try lab.topo.tunnelCounters("server", lab.server.interface, key)
    }

    /// Packets the server wrote into its TUN (the kernel counts them as received).
    private func tunReceived(_ lab: Lab) throws -> UInt64 {
        try lab.topo.linkPackets("server", lab.server.interface).rx
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
        // The server host floods pings of its own: every echo reply is a raw-socket copy.
        let icmpFlood = try lab.topo.spawn("server", name: "icmp-flood", ["ping", "-f", "-q", "-w", "60", "198.51.100.2"])
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

extension ServerHardeningSystemTests {
    private func serverPublicKey(_ lab: Lab) throws -> Key {
        let config = try WireGuardConfig(parsing: try String(contentsOfFile: lab.server.configPath, encoding: .utf8),
                                         fileName: "server.conf")
        return StaticIdentity(privateKey: config.interface.privateKey).publicKey
    }

    /// Of alice's 100 pings during a flood, at least this many come back. The hardening
    /// keeps her loss at 0% in `make bench` (Docs/performance.md); 10% leaves room for a
    /// loaded CI machine and is still far from the 51% and 81% the defects lost.
    static let pingsKeptUnderFlood = 90

    /// Alice pings through the tunnel while `during` runs; returns ping's summary lines.
    private func alicePings(_ lab: Lab, during: () throws -> Void) throws -> (received: Int, summary: String) {
        let ping = try lab.topo.spawn("client1", name: "alice-ping", ["ping", "-c", "100", "-i", "0.05", "-W", "1", "-q", "198.51.100.2"])
        try during()
        XCTAssertNotNil(ping.wait(timeout: 30))
        let received = ping.log.split(separator: "\n").first { $0.contains("packets transmitted") }
            .flatMap { $0.split(separator: ",").dropFirst().first?.split(separator: " ").first }.flatMap { Int($0) }
        return (received ?? -1, ping.log)
    }

    /// UDP datagrams the server's kernel dropped because its socket buffer was full
    /// (per namespace, from /proc/net/snmp).
    private func receiveBufferErrors(_ lab: Lab) throws -> UInt64 {
        let snmp = try lab.topo.run("server", "cat", "/proc/net/snmp")
        let udp = snmp.split(separator: "\n").filter { $0.hasPrefix("Udp:") }
        guard udp.count == 2 else { throw MissingPrerequisite(description: "no Udp lines in /proc/net/snmp") }
        let names = udp[0].split(separator: " "), values = udp[1].split(separator: " ")
        let index = try XCTUnwrap(names.firstIndex(of: "RcvbufErrors"))
        return try XCTUnwrap(UInt64(values[index]))
    }

    /// What became of the datagrams a flood sent, once every one is accounted for: each is
    /// either dropped by the kernel (full socket buffer) or counted by the server under
    /// one of `outcomes` (drop reasons, or device counters with a "counter:" prefix). The
    /// kernel's count also holds alice's datagrams it dropped, at most her lost pings.
    private func accountFor(_ sent: Int, _ lab: Lab, outcomes: [String], pingsLost: Int,
                            before: (drops: [String: UInt64], counters: [String: UInt64], kernel: UInt64))
        throws -> [String: UInt64] {
        var seen: [String: UInt64] = [:]
        let settled = lab.topo.waitUntil(timeout: 15) {
            guard let drops = try? counters(lab, "drops"), let other = try? counters(lab),
                  let kernel = try? receiveBufferErrors(lab) else { return false }
            for key in outcomes {
                if key.hasPrefix("counter:") {
                    let name = String(key.dropFirst(8))
                    seen[key] = (other[name] ?? 0) - (before.counters[name] ?? 0)
                } else {
                    seen[key] = (drops[key] ?? 0) - (before.drops[key] ?? 0)
                }
            }
            seen["kernel"] = kernel - before.kernel
            return seen.values.reduce(0, +) >= UInt64(sent)
        }
        XCTAssertTrue(settled, "every datagram of \(sent) is accounted for: \(seen)")
        XCTAssertLessThanOrEqual(seen.values.reduce(0, +), UInt64(sent + pingsLost), "nothing else was counted: \(seen)")
        return seen
    }

    /// The counters once the server is quiet (two readings in a row agree).
    private func snapshot(_ lab: Lab) throws -> (drops: [String: UInt64], counters: [String: UInt64], kernel: UInt64) {
        var last: (drops: [String: UInt64], counters: [String: UInt64], kernel: UInt64)?
        var current = (try counters(lab, "drops"), try counters(lab), try receiveBufferErrors(lab))
        while last.map({ $0.drops != current.0 || $0.kernel != current.2 }) ?? true {
            last = current
            usleep(200_000)
            current = (try counters(lab, "drops"), try counters(lab), try receiveBufferErrors(lab))
        }
        return current
    }

    /// Defect: a source holding a valid cookie made the server do one Diffie-Hellman per
    /// initiation (14.7k/s), and a client's ping lost 81%.
    func testACookieHolderFloodingInitiationsIsRateLimited() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let lab = try makeLab(logLevel: "info")
        XCTAssertTrue(aliceReachesTheInternet(lab), lab.server.log)
        let flooder = try HandshakeFlooder(topo: lab.topo, namespace: "internet", serverPublicKey: try serverPublicKey(lab),
                                           serverIPv4: "198.51.100.1", port: 51820, spoofed: false)
        XCTAssertTrue(flooder.obtainCookie(timeout: 10), "the server hands out a cookie under load")
        let before = try snapshot(lab)
        var sent = 0
        let pings = try alicePings(lab) { sent = flooder.flood(seconds: 5)() }
        // Each initiation let through costs a DH and then fails (its key is no peer's).
        let seen = try accountFor(sent, lab, outcomes: ["handshake_failed", "handshake_ratelimited", "handshake_budget_spent", "handshake_overload",
                                                                "counter:handshake_backlog_full"],
                                  pingsLost: 100 - pings.received, before: before)
        print("cookie-holder flood: sent \(sent), \(seen); alice: \(pings.summary)")
        // Until the device is under load, 512 in a second; then only the per-source rate
        // passes: 20 a second, after a burst of 5.
        XCTAssertLessThanOrEqual(seen["handshake_failed"] ?? 0, UInt64(512 + 5 + 20 * 7), "Diffie-Hellmans of \(sent) sent")
        XCTAssertEqual(seen["handshake_budget_spent"], 0, "one source never reaches the device's budget")
        XCTAssertGreaterThanOrEqual(pings.received, Self.pingsKeptUnderFlood,
                                    "alice keeps her session and her pings (the defect lost 81%): \(pings.summary)")
    }

    /// Defect: valid-MAC1 initiations from spoofed sources (215k/s) each got a cookie
    /// reply, and a client lost 51% of its pings.
    func testASpoofedSourceFloodIsAnsweredWithinTheCookieBudget() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let lab = try makeLab(logLevel: "info")
        XCTAssertTrue(aliceReachesTheInternet(lab), lab.server.log)
        let flooder = try HandshakeFlooder(topo: lab.topo, namespace: "internet", serverPublicKey: try serverPublicKey(lab),
                                           serverIPv4: "198.51.100.1", port: 51820, spoofed: true)
        let before = try snapshot(lab)
        var sent = 0
        let started = Date()
        let pings = try alicePings(lab) { sent = flooder.flood(seconds: 5)() }
        let seen = try accountFor(sent, lab, outcomes: ["handshake_failed", "handshake_budget_spent", "handshake_overload",
                                                                "counter:cookie_replies_sent", "counter:handshake_backlog_full"],
                                  pingsLost: 100 - pings.received, before: before)
        let elapsed = Date().timeIntervalSince(started)
        print("spoofed flood: sent \(sent), \(seen); alice: \(pings.summary)")
        // Before the device is under load, up to 512 a second are processed; then cookie
        // replies, 10,000 a second after a burst of 1,000, and the rest are budget drops.
        XCTAssertLessThanOrEqual(seen["handshake_failed"] ?? 0, 512 + 1, "only the first second's allowance reached a DH")
        XCTAssertLessThanOrEqual(seen["counter:cookie_replies_sent"] ?? 0, UInt64(1_000 + 10_000 * (elapsed + 1)))
        XCTAssertGreaterThanOrEqual(pings.received, Self.pingsKeptUnderFlood,
                                    "alice keeps her session and her pings (the defect lost 51%): \(pings.summary)")
    }
}
