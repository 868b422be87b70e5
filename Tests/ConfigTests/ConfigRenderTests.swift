// Rendering: stable text that parses back to the same value.
import XCTest
import Addresses
import WireGuard
@testable import Config

final class ConfigRenderTests: XCTestCase {
    func testRenderParsesBackEqual() throws {
        let config = try WireGuardConfig(parsing: Fixtures.server, fileName: "server.conf")
        let text = config.render()
        XCTAssertEqual(try WireGuardConfig(parsing: text, fileName: "rendered.conf"), config)
        XCTAssertEqual(try WireGuardConfig(parsing: text, fileName: "again.conf").render(), text, "rendering is stable")
    }

    func testRenderedTextLooksLikeWgQuick() throws {
        let config = try WireGuardConfig(parsing: Fixtures.server, fileName: "server.conf")
        let lines = config.render().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(lines.first, "[Interface]")
        XCTAssertTrue(lines.contains("Address = 100.64.0.1/24, 2001:db8:100::1/64"))
        XCTAssertTrue(lines.contains("DNS = 192.0.2.53, 2001:db8::53, corp.example"))
        XCTAssertTrue(lines.contains("FwMark = 0xca6c"))
        XCTAssertTrue(lines.contains("Endpoint = vpn.example.net:51820"))
        let peer = try XCTUnwrap(lines.firstIndex(of: "[Peer]"))
        XCTAssertEqual(lines[peer + 1], "# Name = alice", "the name comment sits inside its peer section")
        XCTAssertEqual(lines.last, "", "ends with a newline")
    }

    func testBuiltValueRoundTrips() throws {
        var interface = InterfaceSection(privateKey: Fixtures.serverPrivate)
        interface.addresses = [try IPPrefix(parsing: "10.8.0.1/24"), try IPPrefix(parsing: "fd00::1/64")]
        interface.listenPort = 0
        let peer = PeerSection(name: "carol\nsmith", publicKey: Fixtures.bobPublic,
                               endpoint: PeerEndpoint(host: "2001:db8::9", port: 51820),
                               allowedIPs: [try IPPrefix(parsing: "10.8.0.9/32")], persistentKeepalive: 0)
        let config = WireGuardConfig(interface: interface, peers: [peer])
        let parsed = try WireGuardConfig(parsing: config.render(), fileName: "built.conf")
        XCTAssertEqual(parsed.peers.first?.name, "carol smith", "a multi-line name is flattened to one comment line")
        XCTAssertEqual(parsed.interface, config.interface)
        XCTAssertEqual(parsed.peers.first?.endpoint, peer.endpoint)
        XCTAssertNil(parsed.peers.first?.persistentKeepalive)
    }

    func testWgDialectStripsWgQuickKeys() throws {
        let config = try WireGuardConfig(parsing: Fixtures.server, fileName: "server.conf")
        let stripped = config.render(.wg)
        XCTAssertFalse(stripped.contains("Address"))
        XCTAssertFalse(stripped.contains("PostUp"))
        XCTAssertFalse(stripped.contains("# Name"))
        let parsed = try WireGuardConfig.parseShowconf(stripped)
        XCTAssertEqual(parsed.peers.map(\.publicKey), config.peers.map(\.publicKey))
        XCTAssertEqual(parsed.interface.fwMark, config.interface.fwMark)
        XCTAssertEqual(parsed.interface.addresses, [])
    }
}
