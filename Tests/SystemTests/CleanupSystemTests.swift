import Foundation
import XCTest

/// `tunnel client --cleanup` touches only dead client runs of its own network namespace:
/// never a running tunnel, never a server's state, never another namespace's.
final class CleanupSystemTests: XCTestCase {
    static let tools = ["ping"]

    struct Lab {
        let topo: Topology
        let server: TunnelServerProcess
        let alice: TunnelProcess
        let resolvConf: String
    }

    /// alice (full tunnel with DNS) -- server (NAT) -- internet; "bystander" is a namespace
    /// with nothing in it, to run cleanups from.
    private func makeLab() throws -> Lab {
        let topo = try Topology(ServerLab.topology(clients: 1, extra: "ns bystander"), test: self)
        let resolvConf = try topo.giveResolvConf("client1", "nameserver 192.0.2.53\n")
        let server = try TunnelServerProcess(in: topo, namespace: "server")
        let alice = try server.startTunnelClient("alice", in: "client1") {
            $0.replacingOccurrences(of: "[Peer]", with: "DNS = 198.51.100.53\n\n[Peer]")
        }
        XCTAssertTrue(topo.waitUntil(timeout: 15) {
            (try? topo.attempt("client1", ["ping", "-c", "1", "-W", "1", "198.51.100.2"]).status) == 0
        }, server.log)
        return Lab(topo: topo, server: server, alice: alice, resolvConf: resolvConf)
    }

    private func cleanup(_ lab: Lab, in ns: String, _ extra: [String] = []) throws -> CommandResult {
        try lab.topo.attempt(ns, [SystemTestEnvironment.tunnelBinary!, "client", "--cleanup"] + extra)
    }

    private func statePath(_ lab: Lab, _ ns: String, _ interface: String) throws -> String {
        try lab.topo.stateDirectory(ns).statePath(for: interface)
    }

    private func forwarding(_ lab: Lab) throws -> String {
        try lab.topo.run("server", "cat", "/proc/sys/net/ipv4/ip_forward").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func testCleanupLeavesRunningTunnelsServersAndOtherNamespacesAlone() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let lab = try makeLab()
        let aliceState = try lab.topo.networkState("client1", files: [lab.resolvConf])
        let serverState = try lab.topo.networkState("server")
        XCTAssertEqual(try forwarding(lab), "1")

        // From the server's namespace, the bystander's and alice's own: nothing is undone.
        for ns in ["server", "bystander", "client1"] {
            let r = try cleanup(lab, in: ns)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertFalse(r.stdout.contains("restore"), "\(ns): nothing restored: \(r.stdout)")
            XCTAssertFalse(r.stdout.contains("remove"), "\(ns): nothing removed: \(r.stdout)")
        }
        // Each namespace keeps its own state: a cleanup sees only its own namespace's runs.
        let fromServer = try cleanup(lab, in: "server").stdout
        XCTAssertTrue(fromServer.contains("left \(lab.server.interface) alone: its tunnel is still running"), fromServer)
        XCTAssertFalse(fromServer.contains(lab.alice.interface), fromServer)
        XCTAssertEqual(try forwarding(lab), "1", "the server keeps forwarding")
        assertSameNetworkState(try lab.topo.networkState("server"), serverState, "the server's namespace is untouched")
        assertSameNetworkState(try lab.topo.networkState("client1", files: [lab.resolvConf]), aliceState,
                               "alice's namespace and resolv.conf are untouched")
        for (ns, interface) in [("server", lab.server.interface), ("client1", lab.alice.interface)] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: try statePath(lab, ns, interface)), interface)
        }
        // Named, a running tunnel is refused with the reason.
        let named = try cleanup(lab, in: "client1", ["--interface", lab.alice.interface])
        XCTAssertNotEqual(named.status, 0)
        XCTAssertTrue(named.stderr.contains("not cleaning up \(lab.alice.interface): its tunnel is still running"), named.stderr)
        let alive = try lab.topo.run("client1", ["ping", "-c", "2", "-i", "0.2", "-W", "2", "198.51.100.2"])
        XCTAssertTrue(alive.contains("2 received"), "alice's tunnel still works: \(alive)")
    }

    func testCleanupUndoesOnlyADeadClientOfItsOwnNamespace() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let lab = try makeLab()
        lab.alice.process.signal(SIGKILL)
        XCTAssertNotNil(lab.alice.process.wait(timeout: 5))
        let socket = "/var/run/wireguard/\(lab.alice.interface).sock"
        XCTAssertTrue(FileManager.default.fileExists(atPath: socket), "a killed run leaves its socket")

        // Another namespace leaves the dead run's record alone: its sysctls are not ours.
        let elsewhere = try cleanup(lab, in: "bystander")
        XCTAssertEqual(elsewhere.status, 0, elsewhere.stderr)
        XCTAssertEqual(elsewhere.stdout, "", "the bystander's namespace has no runs")
        let dns = try String(contentsOfFile: lab.resolvConf, encoding: .utf8)
        XCTAssertTrue(dns.contains("nameserver 198.51.100.53\n"), "alice's DNS is still in place: \(dns)")

        // Its own namespace undoes it, socket included; the server's run is left alone.
        let own = try cleanup(lab, in: "client1")
        XCTAssertEqual(own.status, 0, own.stderr)
        XCTAssertTrue(own.stdout.contains("restore /etc/resolv.conf"), own.stdout)
        XCTAssertEqual(try String(contentsOfFile: lab.resolvConf, encoding: .utf8), "nameserver 192.0.2.53\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: try statePath(lab, "client1", lab.alice.interface)))
        XCTAssertFalse(FileManager.default.fileExists(atPath: socket), "the stale control socket is gone")
        XCTAssertTrue(FileManager.default.fileExists(atPath: try statePath(lab, "server", lab.server.interface)))

        // A killed server's record is not a client cleanup's business.
        lab.server.process.signal(SIGKILL)
        XCTAssertNotNil(lab.server.process.wait(timeout: 5))
        let onServer = try cleanup(lab, in: "server")
        XCTAssertEqual(onServer.status, 0, onServer.stderr)
        XCTAssertTrue(onServer.stdout.contains("left \(lab.server.interface) alone: it belongs to a tunnel server"), onServer.stdout)
        XCTAssertEqual(try forwarding(lab), "1", "a client cleanup does not turn the server's forwarding off")
        XCTAssertTrue(FileManager.default.fileExists(atPath: try statePath(lab, "server", lab.server.interface)))
        // The server's own next start cleans up after it.
        try lab.server.restart()
        XCTAssertTrue(lab.server.log.contains("cleaned up after an earlier run"), lab.server.log)
    }
}
