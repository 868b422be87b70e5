import Foundation
import XCTest

/// README.md: "Add a client, while the server runs (it picks the change up within a
/// second)". The server checks its config file every second (ServerMode's
/// configCheckInterval, ServerPeerSync); a `tunnel peer add` or `peer remove` must show in
/// the server's log and in `wg show` within `bound` of the command returning. The bound
/// leaves two seconds for a busy machine; a server that checked every 5 s, or that missed
/// an edit until the next one, fails it.
final class PeerPickupSystemTests: XCTestCase {
    static let bound: TimeInterval = 3

    private func peers(_ topo: Topology, _ server: TunnelServerProcess) -> [String] {
        ((try? topo.run("server", "wg", "show", server.interface, "peers")) ?? "")
            .split(separator: "\n").map(String.init)
    }

    func testPeerAddAndRemoveArePickedUpWithinTheREADMEsSecond() throws {
        try requireSystemTestPrerequisites(tools: ["wg"], needsTunnelBinary: true)
        let topo = try Topology(ServerLab.topology(clients: 1), test: self)
        let server = try TunnelServerProcess(in: topo, namespace: "server")
        XCTAssertTrue(topo.waitUntil(timeout: 15) { server.log.contains("server on ") }, server.log)
        XCTAssertEqual(peers(topo, server), [], "no peers yet")

        var keys: [String: String] = [:]
        for name in ["alice", "bob"] {
            let config = try server.addPeer(name, endpoint: ServerLab.endpoints["client1"]!)
            let key = try Self.publicKey(ofClientConfig: config)
            keys[name] = key
            XCTAssertTrue(topo.waitUntil(timeout: Self.bound) {
                server.log.contains("peer \(name) added") && peers(topo, server).contains(key)
            }, "\(name) added and listed within \(Self.bound) s: \(server.log.suffix(1500))")
        }
        XCTAssertEqual(Set(peers(topo, server)), Set(keys.values), "alice and bob")
        let bobKey = try XCTUnwrap(keys["bob"])
        try server.removePeer("bob")
        XCTAssertTrue(topo.waitUntil(timeout: Self.bound) {
            server.log.contains("peer bob removed") && !peers(topo, server).contains(bobKey)
        }, "bob removed within \(Self.bound) s: \(server.log.suffix(1500))")
        XCTAssertEqual(peers(topo, server), [keys["alice"]!], "alice stays")
    }

    /// The client's public key, from the private key in the config `tunnel peer add` printed.
    static func publicKey(ofClientConfig config: String) throws -> String {
        let line = try XCTUnwrap(config.split(separator: "\n").first { $0.hasPrefix("PrivateKey") }, config)
        let privateKey = try XCTUnwrap(line.split(separator: "=", maxSplits: 1).last).trimmingCharacters(in: .whitespaces)
        return try Command.check(["wg", "pubkey"], input: privateKey + "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
