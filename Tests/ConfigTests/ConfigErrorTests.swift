// Every way a file can be wrong, with the exact line and a one-line message.
import XCTest
import WireGuard
@testable import Config

final class ConfigErrorTests: XCTestCase {
    private let priv = Fixtures.serverPrivate.base64
    private let pub = Fixtures.alicePublic.base64

    private func failure(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> ConfigError? {
        do {
            _ = try WireGuardConfig(parsing: text, fileName: "server.conf")
            XCTFail("parsed but should not have", file: file, line: line)
            return nil
        } catch let error as ConfigError {
            XCTAssertFalse(error.description.contains("\n"), "one line", file: file, line: line)
            return error
        } catch {
            XCTFail("not a ConfigError: \(error)", file: file, line: line)
            return nil
        }
    }

    private func assertError(_ text: String, _ kind: ConfigError.Kind, line expectedLine: Int?,
                             contains fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let error = failure(text, file: file, line: line) else { return }
        XCTAssertEqual(error.kind, kind, error.description, file: file, line: line)
        XCTAssertEqual(error.line, expectedLine, error.description, file: file, line: line)
        XCTAssertEqual(error.fileName, "server.conf", file: file, line: line)
        XCTAssertTrue(error.description.contains(fragment), "'\(error.description)' lacks '\(fragment)'", file: file, line: line)
    }

    func testBadAllowedIPsMessageIsExact() {
        let text = "[Interface]\nPrivateKey = \(priv)\n\n# alice\n[Peer]\nPublicKey = \(pub)\nAllowedIPs = 10.0.0.1/32, 10.0.0.0/33\n"
        XCTAssertEqual(failure(text)?.description, "server.conf:7: AllowedIPs: '10.0.0.0/33' is not a valid prefix")
    }

    func testUnknownKey() {
        assertError("[Interface]\nPrivateKey = \(priv)\nListenPrt = 1\n", .unknownKey, line: 3, contains: "unknown key 'ListenPrt'")
    }

    func testUnknownSection() {
        assertError("[Interface]\nPrivateKey = \(priv)\n[Peers]\n", .unknownSection, line: 3, contains: "[Peers]")
    }

    func testMissingPrivateKeyPointsAtTheSection() {
        assertError("# x\n[Interface]\nListenPort = 1\n", .missingKey, line: 2, contains: "PrivateKey")
    }

    func testMissingPublicKeyPointsAtThePeer() {
        assertError("[Interface]\nPrivateKey = \(priv)\n\n[Peer]\nAllowedIPs = 10.0.0.0/8\n", .missingKey, line: 4, contains: "PublicKey")
    }

    func testMissingInterface() {
        assertError("[Peer]\nPublicKey = \(pub)\n", .missingInterface, line: nil, contains: "server.conf: no [Interface]")
    }

    func testBadBase64KeysAreNotEchoed() {
        let bad = "not-a-key-at-all"
        assertError("[Interface]\nPrivateKey = \(bad)\n", .invalidValue, line: 2, contains: "PrivateKey: a key is 44")
        XCTAssertFalse(failure("[Interface]\nPrivateKey = \(bad)\n")?.description.contains(bad) ?? true)
        let wrongAlphabet = String(repeating: "!", count: 43) + "="
        assertError("[Interface]\nPrivateKey = \(priv)\n[Peer]\nPublicKey = \(wrongAlphabet)\n", .invalidValue, line: 4,
                    contains: "PublicKey: a key must be base64")
        assertError("[Interface]\nPrivateKey = \(priv)\n[Peer]\nPublicKey = \(pub)\nPresharedKey = abc\n", .invalidValue,
                    line: 5, contains: "PresharedKey:")
    }

    func testBadAddressAndDNS() {
        assertError("[Interface]\nPrivateKey = \(priv)\nAddress = 10.0.0.300/24\n", .invalidValue, line: 3,
                    contains: "Address: '10.0.0.300/24' is not a valid prefix")
        assertError("[Interface]\nPrivateKey = \(priv)\nDNS = 1.1.1.1, bad domain\n", .invalidValue, line: 3,
                    contains: "DNS: 'bad domain'")
    }

    func testBadPorts() {
        assertError("[Interface]\nPrivateKey = \(priv)\nListenPort = 65536\n", .invalidValue, line: 3, contains: "ListenPort: '65536'")
        assertError("[Interface]\nPrivateKey = \(priv)\nListenPort = -1\n", .invalidValue, line: 3, contains: "ListenPort")
        assertError("[Interface]\nPrivateKey = \(priv)\n[Peer]\nPublicKey = \(pub)\nEndpoint = 192.0.2.1:99999\n",
                    .invalidValue, line: 5, contains: "Endpoint: '99999' is not a port number")
        assertError("[Interface]\nPrivateKey = \(priv)\n[Peer]\nPublicKey = \(pub)\nEndpoint = 2001:db8::1:51820\n",
                    .invalidValue, line: 5, contains: "needs brackets")
    }

    func testBadNumbers() {
        assertError("[Interface]\nPrivateKey = \(priv)\nMTU = 12\n", .invalidValue, line: 3, contains: "MTU: '12'")
        assertError("[Interface]\nPrivateKey = \(priv)\nFwMark = 0xzz\n", .invalidValue, line: 3, contains: "FwMark")
        assertError("[Interface]\nPrivateKey = \(priv)\n[Peer]\nPublicKey = \(pub)\nPersistentKeepalive = 70000\n",
                    .invalidValue, line: 5, contains: "PersistentKeepalive")
    }

    func testDuplicateInterface() {
        assertError("[Interface]\nPrivateKey = \(priv)\n\n[Interface]\n", .duplicateSection, line: 4, contains: "line 1")
    }

    func testDuplicateSingleValuedKeys() {
        assertError("[Interface]\nPrivateKey = \(priv)\nprivatekey = \(priv)\n", .duplicateKey, line: 3, contains: "first on line 2")
        assertError("[Interface]\nPrivateKey = \(priv)\nListenPort = 1\nMTU = 1400\nListenPort = 2\n", .duplicateKey, line: 5,
                    contains: "ListenPort is given twice")
        assertError("[Interface]\nPrivateKey = \(priv)\n[Peer]\nPublicKey = \(pub)\nEndpoint = a:1\nEndpoint = b:2\n",
                    .duplicateKey, line: 6, contains: "Endpoint")
    }

    func testSameKeyInDifferentSectionsIsFine() throws {
        let text = "[Interface]\nPrivateKey = \(priv)\n[Peer]\nPublicKey = \(pub)\n[Peer]\nPublicKey = \(Fixtures.bobPublic.base64)\n"
        XCTAssertEqual(try WireGuardConfig(parsing: text, fileName: "ok.conf").peers.count, 2)
    }

    func testDuplicatePeer() {
        assertError("[Interface]\nPrivateKey = \(priv)\n[Peer]\nPublicKey = \(pub)\n[Peer]\nPublicKey = \(pub)\n",
                    .duplicatePeer, line: 5, contains: "line 3")
    }

    func testKeyOutsideAnySection() {
        assertError("# hello\nPrivateKey = \(priv)\n[Interface]\n", .keyOutsideSection, line: 2, contains: "before any")
    }

    func testLinesThatAreNotKeyValue() {
        assertError("[Interface]\nPrivateKey = \(priv)\njust words\n", .syntax, line: 3, contains: "expected 'Key = Value'")
        assertError("[Interface\n", .syntax, line: 1, contains: "no closing ']'")
    }

    func testHostileInputNeverTraps() {
        let samples = ["", "=", "[", "]", "[]", "[Peer", "[Interface]\n=", "[Interface]\n==\n", "\u{0}\u{1}",
                       "[Interface]\nPrivateKey", "[Interface]\nAddress = /", "[Interface]\nAddress = 1.2.3.4/",
                       "[Interface]\nPrivateKey = \(priv)\n[Peer]\nPublicKey = \(pub)\nEndpoint = []:1",
                       "[Interface]\nPrivateKey = \(priv)\n[Peer]\nPublicKey = \(pub)\nEndpoint = [",
                       String(repeating: "[Peer]\n", count: 1000)]
        for text in samples {
            XCTAssertThrowsError(try WireGuardConfig(parsing: text, fileName: "x")) { error in
                XCTAssertTrue(error is ConfigError, "\(error)")
            }
        }
    }
}

/// A key pasted on a line of its own, or with the '=' forgotten, must not come back in
/// the error: base64 ends in '=', so the whole key would read as an unknown key name.
final class ConfigSecretEchoTests: XCTestCase {
    private let priv = Fixtures.serverPrivate.base64
    private let pub = Fixtures.alicePublic.base64

    private func description(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try WireGuardConfig(parsing: text, fileName: "server.conf")
            XCTFail("parsed but should not have", file: file, line: line)
            return ""
        } catch {
            return "\(error)"
        }
    }

    /// No run of 16 key characters (of 44) appears in the message.
    private func assertNoKeyMaterial(_ message: String, _ key: String, file: StaticString = #filePath, line: UInt = #line) {
        let chars = Array(key)
        let echoed = (0...(chars.count - 16)).contains { message.contains(String(chars[$0..<($0 + 16)])) }
        XCTAssertFalse(echoed, "'\(message)' echoes key material", file: file, line: line)
    }

    func testKeyOnItsOwnLineIsNotEchoed() {
        let secret = Fixtures.alicePSK.base64
        let message = description("[Interface]\nPrivateKey = \(priv)\n\(secret)\n")
        XCTAssertTrue(message.contains("server.conf:3"), message)
        assertNoKeyMaterial(message, secret)
    }

    func testKeyWithoutEqualsSignIsNotEchoed() {
        let secret = Fixtures.alicePSK.base64
        let message = description("[Interface]\nPrivateKey \(secret)\n")
        XCTAssertTrue(message.contains("server.conf:2"), message)
        assertNoKeyMaterial(message, secret)
    }

    func testKeyWithoutPaddingIsNotEchoed() {
        let secret = String(Fixtures.alicePSK.base64.dropLast())
        let message = description("[Interface]\nPrivateKey = \(priv)\n\(secret)\n")
        XCTAssertTrue(message.contains("server.conf:3"), message)
        assertNoKeyMaterial(message, secret)
    }

    func testKeyBeforeAnySectionIsNotEchoed() {
        let message = description("\(priv)\n[Interface]\nPrivateKey = \(priv)\n")
        XCTAssertTrue(message.contains("server.conf:1"), message)
        assertNoKeyMaterial(message, priv)
    }

    func testPlainUnknownKeysAreStillNamed() {
        XCTAssertTrue(description("[Interface]\nPrivateKey = \(priv)\nListenPrt = 1\n").contains("'ListenPrt'"))
        XCTAssertTrue(description("[Interface]\nPrivateKey = \(priv)\n[Peer]\nPublicKey = \(pub)\nPersistentKeepAlives = 1\n")
            .contains("'PersistentKeepAlives'"))
    }
}
