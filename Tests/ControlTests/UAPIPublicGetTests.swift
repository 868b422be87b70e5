// `get=public`, the secret-free get the metrics endpoint uses: the answer carries no
// private_key line, zero preshared keys, and the public key as tunnel_public_key; the
// rest is the `get=tunnel` answer.
import Addresses
import XCTest
@testable import Control

final class UAPIPublicGetTests: XCTestCase {
    static let publicKey = ControlFixtures.key(0x33)

    func testParsesAsItsOwnRequest() throws {
        XCTAssertEqual(try UAPIRequest.parse(text: "get=public\n"), .getPublic)
        XCTAssertThrowsError(try UAPIRequest.parse(text: "get=public\nlisten_port=1\n"))
        XCTAssertEqual(UAPIRequestWriter.getPublic(), "get=public\n\n")
    }

    func testAnswerHoldsNoPrivateOrPresharedKey() throws {
        var device = ControlFixtures.device
        device.tunnel.publicKey = Self.publicKey
        let harness = try ServerHarness(handler: RecordingHandler(device: device))
        defer { harness.stop() }
        let raw = try RawConnection(path: harness.server.socketPath)
        raw.send("get=public\n\n")
        let text = raw.readAnswer()
        XCTAssertFalse(text.contains("private_key="), text)
        XCTAssertFalse(text.contains(String(repeating: "11", count: 32)), "the private key's hex")
        XCTAssertFalse(text.contains(String(repeating: "22", count: 32)), "the preshared key's hex")
        XCTAssertTrue(text.contains("\ntunnel_public_key=\(String(repeating: "33", count: 32))\n"), text)
        XCTAssertTrue(text.hasSuffix("errno=0\n\n"), text)

        var expected = device
        expected.privateKey = nil
        expected.peers[0].presharedKey = nil
        XCTAssertEqual(try harness.client().getPublic(), expected)
    }

    func testGetTunnelCarriesThePublicKeyToo() throws {
        var device = ControlFixtures.device
        device.tunnel.publicKey = Self.publicKey
        let text = UAPIResponseWriter.getResponse(device, includeTunnelInfo: true)
        let lines = text.dropLast(2).split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(try UAPIResponseParser.parseGetResponse(lines: Array(lines)), device)
        XCTAssertFalse(UAPIResponseWriter.getResponse(device).contains("tunnel_public_key"), "not in a plain get=1")
    }
}
