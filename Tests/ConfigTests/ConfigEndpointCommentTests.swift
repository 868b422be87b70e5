// The `# Endpoint = host:port` comment in [Interface]: where a server's clients reach it.
import XCTest
import Addresses
import WireGuard
@testable import Config

final class ConfigEndpointCommentTests: XCTestCase {
    private let key = Key(bytes: [UInt8](repeating: 7, count: Key.byteCount))

    func testParsedRenderedAndLeftOutOfTheWgDialect() throws {
        let text = "[Interface]\n# Endpoint = [2001:db8::1]:51820\nPrivateKey = \(key.base64)\nListenPort = 51820\n"
        let config = try WireGuardConfig(parsing: text, fileName: "server.conf")
        XCTAssertEqual(config.interface.publicEndpoint, PeerEndpoint(host: "2001:db8::1", port: 51820))
        XCTAssertEqual(config.render(), text, "rendered back in place, right under the header")
        XCTAssertFalse(config.render(.wg).contains("Endpoint"), "`wg setconf` text carries no comments")
    }

    func testOnlyInInterfaceAndIgnoredWhenMalformed() throws {
        let text = """
            [Interface]
            # Endpoint = not an endpoint
            PrivateKey = \(key.base64)

            [Peer]
            # Endpoint = 192.0.2.9:1
            PublicKey = \(key.base64)
            """
        let config = try WireGuardConfig(parsing: text, fileName: "server.conf")
        XCTAssertNil(config.interface.publicEndpoint, "a comment that is not host:port stays a comment")
        XCTAssertNil(config.peers.first?.endpoint, "a comment in [Peer] is not the peer's Endpoint")
    }
}
