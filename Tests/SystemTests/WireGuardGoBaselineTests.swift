import XCTest

/// The reference peer itself works in our topologies: two wireguard-go instances talk.
/// If this fails, interop failures elsewhere are about the environment, not about tunnel.
final class WireGuardGoBaselineTests: XCTestCase {
    func testTwoWireGuardGoPeersPing() throws {
        try requireSystemTestPrerequisites(tools: ["wg", "wireguard-go", "ping"])
        let topo = try Topology("a eth0 192.0.2.1/24 -- b eth0 192.0.2.2/24", test: self)
        let ka = try WireGuardKeys.generate(), kb = try WireGuardKeys.generate()
        let a = try WireGuardGoPeer(in: topo, namespace: "a", keys: ka, listenPort: 51820,
                                    addresses: ["100.64.0.1/24", "2001:db8:100::1/64"])
        let b = try WireGuardGoPeer(in: topo, namespace: "b", keys: kb, listenPort: 51820,
                                    addresses: ["100.64.0.2/24", "2001:db8:100::2/64"])
        try a.addPeer(publicKey: kb.publicKey, endpoint: "192.0.2.2:51820", allowedIPs: ["100.64.0.2/32", "2001:db8:100::2/128"])
        try b.addPeer(publicKey: ka.publicKey, endpoint: "192.0.2.1:51820", allowedIPs: ["100.64.0.1/32", "2001:db8:100::1/128"])
        try topo.run("a", "ping", "-c", "2", "-W", "3", "100.64.0.2")
        try topo.run("a", "ping", "-c", "2", "-W", "3", "2001:db8:100::2")
        XCTAssertTrue(a.hasHandshake())
        XCTAssertTrue(b.hasHandshake())
    }
}
