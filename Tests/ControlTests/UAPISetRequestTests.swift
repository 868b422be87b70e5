// set=1 requests: every key parsed, the writer's text parsed back, and each kind of bad
// request answered with the errno wireguard-go would give.
import XCTest
import Addresses
@testable import Control

final class UAPISetRequestTests: XCTestCase {
    private let a = ControlFixtures.hexA
    private let b = ControlFixtures.hexB
    private let psk = String(repeating: "22", count: 32)

    private func change(_ body: String) throws -> UAPIConfigurationChange {
        guard case .set(let c) = try UAPIRequest.parse(text: "set=1\n" + body) else {
            XCTFail("not a set request"); return UAPIConfigurationChange()
        }
        return c
    }

    private func assertErrno(_ text: String, _ expected: Int32, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try UAPIRequest.parse(text: text), file: file, line: line) { error in
            XCTAssertEqual((error as? UAPIError)?.errno, expected, "\(error)", file: file, line: line)
        }
    }

    func testEveryKey() throws {
        let c = try change("""
            private_key=\(String(repeating: "11", count: 32))
            listen_port=51820
            fwmark=7
            replace_peers=true
            public_key=\(a)
            update_only=true
            preshared_key=\(psk)
            endpoint=192.0.2.1:51820
            persistent_keepalive_interval=25
            replace_allowed_ips=true
            allowed_ip=100.64.0.9/32
            allowed_ip=2001:db8::/64
            protocol_version=1
            public_key=\(b)
            remove=true
            public_key=\(a)
            endpoint=[2001:db8::1]:443

            """)
        XCTAssertEqual(c.privateKey, ControlFixtures.privateKey)
        XCTAssertEqual(c.listenPort, 51820)
        XCTAssertEqual(c.fwmark, 7)
        XCTAssertTrue(c.replacePeers)
        XCTAssertEqual(c.peers.count, 3)
        let p = c.peers[0]
        XCTAssertEqual(p.publicKey, ControlFixtures.peerA)
        XCTAssertTrue(p.updateOnly)
        XCTAssertFalse(p.remove)
        XCTAssertEqual(p.presharedKey, ControlFixtures.psk)
        XCTAssertEqual(p.endpoint, Endpoint("192.0.2.1:51820"))
        XCTAssertEqual(p.persistentKeepaliveInterval, 25)
        XCTAssertTrue(p.replaceAllowedIPs)
        XCTAssertEqual(p.allowedIPs, [ControlFixtures.prefix("100.64.0.9/32"), ControlFixtures.prefix("2001:db8::/64")])
        XCTAssertEqual(c.peers[1], UAPIPeerChange(publicKey: ControlFixtures.peerB, remove: true))
        XCTAssertEqual(c.peers[2].endpoint, Endpoint("[2001:db8::1]:443"))
    }

    func testZeroKeysMeanRemoval() throws {
        let c = try change("private_key=\(String(repeating: "0", count: 64))\npublic_key=\(a)\npreshared_key=\(String(repeating: "0", count: 64))\n")
        XCTAssertEqual(c.privateKey?.isZero, true)
        XCTAssertEqual(c.peers.first?.presharedKey?.isZero, true)
    }

    func testReplaceAllowedIPsDropsEarlierLinesOfTheBlock() throws {
        let c = try change("public_key=\(a)\nallowed_ip=10.0.0.1/32\nreplace_allowed_ips=true\nallowed_ip=10.0.0.2/32\n")
        XCTAssertEqual(c.peers[0].allowedIPs, [ControlFixtures.prefix("10.0.0.2/32")])
    }

    func testEmptySetIsValid() throws {
        XCTAssertEqual(try change(""), UAPIConfigurationChange())
    }

    func testWriterOutputParsesBack() throws {
        let original = UAPIConfigurationChange(
            privateKey: ControlFixtures.privateKey, listenPort: 1, fwmark: 0, replacePeers: true,
            peers: [UAPIPeerChange(publicKey: ControlFixtures.peerA, updateOnly: true, presharedKey: ControlFixtures.psk,
                                   endpoint: Endpoint("[2001:db8::1]:9"), persistentKeepaliveInterval: 0,
                                   replaceAllowedIPs: true, allowedIPs: [ControlFixtures.prefix("100.64.0.0/10")]),
                    UAPIPeerChange(publicKey: ControlFixtures.peerB, remove: true)])
        let text = UAPIRequestWriter.set(original)
        XCTAssertTrue(text.hasSuffix("\n\n"))
        XCTAssertEqual(try UAPIRequest.parse(text: String(text.dropLast())), .set(original))
    }

    func testGetRequests() throws {
        XCTAssertEqual(try UAPIRequest.parse(text: "get=1\n"), .get(includeTunnelInfo: false))
        XCTAssertEqual(try UAPIRequest.parse(text: "get=tunnel\n"), .get(includeTunnelInfo: true))
        assertErrno("get=1\nlisten_port=1\n", EINVAL)
    }

    func testUnknownOperationIsAProtocolError() {
        assertErrno("get=2\n", EPROTO)
        assertErrno("set=2\n", EPROTO)
        assertErrno("hello\n", EPROTO)
        assertErrno("", EPROTO)
    }

    func testUnknownKey() {
        assertErrno("set=1\nfoo=1\n", EINVAL)
        assertErrno("set=1\npublic_key=\(a)\nfoo=1\n", EINVAL)
        assertErrno("set=1\npublic_key=\(a)\nrx_bytes=1\n", EINVAL)  // get-only key
    }

    func testPeerKeyBeforePublicKey() {
        assertErrno("set=1\nendpoint=192.0.2.1:1\n", EINVAL)
        assertErrno("set=1\nallowed_ip=10.0.0.0/8\n", EINVAL)
    }

    func testDeviceKeyAfterPublicKey() {
        assertErrno("set=1\npublic_key=\(a)\nlisten_port=1\n", EINVAL)
    }

    func testBadHex() {
        assertErrno("set=1\nprivate_key=xyz\n", EINVAL)
        assertErrno("set=1\npublic_key=\(String(a.dropLast()))\n", EINVAL)
        assertErrno("set=1\npublic_key=\(a)\npreshared_key=\(String(repeating: "g", count: 64))\n", EINVAL)
    }

    func testBadNumbersAndFlags() {
        for bad in ["listen_port=65536", "listen_port=-1", "listen_port=+1", "listen_port= 1", "listen_port=",
                    "fwmark=4294967296", "fwmark=0x10", "replace_peers=yes"] {
            assertErrno("set=1\n\(bad)\n", EINVAL)
        }
        assertErrno("set=1\npublic_key=\(a)\npersistent_keepalive_interval=70000\n", EINVAL)
        assertErrno("set=1\npublic_key=\(a)\nremove=1\n", EINVAL)
    }

    func testBadEndpoint() {
        for bad in ["192.0.2.1", "192.0.2.1:", "192.0.2.1:65536", "2001:db8::1:80", "[2001:db8::1]80",
                    "[192.0.2.1]:80", "[fe80::1%eth0]:80", "example.com:80", "[2001:db8::1]:", ":80"] {
            assertErrno("set=1\npublic_key=\(a)\nendpoint=\(bad)\n", EINVAL)
        }
    }

    func testBadAllowedIP() {
        for bad in ["10.0.0.1", "10.0.0.0/33", "2001:db8::/129", "10.0.0.0/-1", "10.0.0/8", "10.0.0.0/ 8", "x/8", "[::]/0"] {
            assertErrno("set=1\npublic_key=\(a)\nallowed_ip=\(bad)\n", EINVAL)
        }
    }

    func testProtocolVersionMustBeOne() throws {
        assertErrno("set=1\npublic_key=\(a)\nprotocol_version=2\n", EINVAL)
        assertErrno("set=1\npublic_key=\(a)\nprotocol_version=0\n", EINVAL)
        XCTAssertEqual(try change("public_key=\(a)\nprotocol_version=1\n").peers.count, 1)
    }

    func testLineWithoutEqualsIsAProtocolError() {
        assertErrno("set=1\nlisten_port\n", EPROTO)
    }

    func testNonASCIIBytesAreRejected() {
        let lines: [[UInt8]] = [Array("set=1".utf8), Array("listen_port=1".utf8) + [0]]
        XCTAssertThrowsError(try UAPIRequest.parse(lines: lines)) { error in
            XCTAssertEqual((error as? UAPIError)?.errno, EINVAL)
        }
    }

    func testErrorMessagesDoNotEchoKeys() {
        let secret = String(repeating: "ab", count: 31) + "zz"
        XCTAssertThrowsError(try UAPIRequest.parse(text: "set=1\nprivate_key=\(secret)\n")) { error in
            XCTAssertFalse("\(error)".contains("abab"), "\(error)")
        }
    }
}
