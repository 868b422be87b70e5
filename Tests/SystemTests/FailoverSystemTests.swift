import Foundation
import XCTest

/// Client failover: two `tunnel server`s with copies of one config (same key, same
/// peers) serve the same network; a client given both addresses (`--connect` twice)
/// uses the first, and when that server is killed it moves to the other on its own
/// once handshakes go unanswered, and is back through the tunnel within 40 s.
final class FailoverSystemTests: XCTestCase {
    static let tools = ["wg", "ping"]
    static let serverA = "192.0.2.1:51820", serverB = "192.0.2.129:51820"
    /// The bound for being back after the serving server died: keepalive silence
    /// (about 15 s) plus three unanswered retries (15 s), with room to spare.
    static let backWithinSeconds: TimeInterval = 40

    private func handshakes(_ topo: Topology, _ server: TunnelServerProcess) -> Int {
        let out = (try? topo.run(server.namespace, "wg", "show", server.interface, "latest-handshakes")) ?? ""
        return out.split(separator: "\n").filter { !$0.hasSuffix("\t0") }.count
    }

    private func reachesServer(_ topo: Topology) -> Bool {
        (try? topo.attempt("client", ["ping", "-c", "1", "-W", "1", "100.64.0.1"]).status) == 0
    }

    func testAClientMovesToTheOtherServerWhenItsServerIsKilled() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let topo = try Topology("""
            client eth0 192.0.2.2/25 -- aserver eth0 192.0.2.1/25
            client eth1 192.0.2.130/25 -- bserver eth0 192.0.2.129/25
            """, test: self)
        let a = try TunnelServerProcess(in: topo, namespace: "aserver", extraArguments: ["--nat", "off"])
        let config = try a.addPeer("alice", endpoint: Self.serverA)
        let b = try TunnelServerProcess(in: topo, namespace: "bserver", extraArguments: ["--nat", "off"],
                                        configContents: try String(contentsOfFile: a.configPath, encoding: .utf8))
        XCTAssertNotEqual(a.configPath, b.configPath)
        let alice = try TunnelProcess(in: topo, namespace: "client", keys: try WireGuardKeys.generate(), config: config,
                                      extraArguments: ["--connect", Self.serverA, "--connect", Self.serverB])
        XCTAssertTrue(topo.waitUntil(timeout: 15) { reachesServer(topo) }, alice.log)
        XCTAssertEqual(handshakes(topo, a), 1, "alice talks to the first server")
        XCTAssertEqual(handshakes(topo, b), 0)

        a.process.signal(SIGKILL)
        XCTAssertNotNil(a.process.wait(timeout: 5))
        XCTAssertTrue(topo.waitUntil(timeout: Self.backWithinSeconds) { reachesServer(topo) },
                      "back through the other server:\n\(alice.log.suffix(3000))")
        XCTAssertEqual(handshakes(topo, b), 1, "the second server has alice's session")
        XCTAssertTrue(alice.log.contains("trying \(Self.serverB)"), alice.log)
        let endpoints = try topo.run("client", "wg", "show", alice.interface, "endpoints")
        XCTAssertTrue(endpoints.hasSuffix("\t\(Self.serverB)\n"), endpoints)
        // And it crossed the tunnel: the interface counts the ping both ways.
        let before = try topo.linkPackets("client", alice.interface)
        XCTAssertTrue(reachesServer(topo))
        let after = try topo.linkPackets("client", alice.interface)
        XCTAssertEqual(after.tx - before.tx, 1)
        XCTAssertEqual(after.rx - before.rx, 1)
    }
}
