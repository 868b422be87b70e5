// Invite codes: exact text for fixed inputs, round trips for every kind of endpoint, a
// typo or a cut caught with a message, and the derived key pair checked against values
// computed independently (Python's hashlib BLAKE2s/HMAC and pyca/cryptography X25519).
import Config
import XCTest
import WireGuard
@testable import Peers

final class InviteCodeTests: XCTestCase {
    private let server = Key(bytes: [UInt8](repeating: 7, count: 32))
    private let secret = Key(bytes: (0..<32).map { UInt8($0) })
    private let ipv4Text = "AQcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh_KbAHAAAIBt6aJ5Q"

    private func refusal(_ text: String) -> InviteCodeError? {
        do { _ = try InviteCode(parsing: text); return nil } catch { return error as? InviteCodeError }
    }

    func testACodeHasAnExactURLSafeText() throws {
        let code = InviteCode(serverPublicKey: server, endpoint: PeerEndpoint(host: "192.0.2.1", port: 51820), secret: secret)
        XCTAssertEqual(try code.text(), ipv4Text)
        let named = InviteCode(serverPublicKey: server, endpoint: PeerEndpoint(host: "vpn.example.com", port: 443), secret: secret)
        XCTAssertEqual(try named.text(),
                       "AQcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8BuwMPdnBuLmV4YW1wbGUuY29t1-j02Q")
    }

    func testEveryKindOfEndpointRoundTrips() throws {
        for endpoint in [PeerEndpoint(host: "192.0.2.1", port: 51820), PeerEndpoint(host: "2001:db8::1", port: 1),
                         PeerEndpoint(host: "vpn.example.com", port: 65535), PeerEndpoint(host: "a", port: 2)] {
            let code = InviteCode.generate(serverPublicKey: server, endpoint: endpoint)
            let text = try code.text()
            XCTAssertTrue(text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }, text)
            let parsed = try InviteCode(parsing: "  " + text + "\n")
            XCTAssertEqual(parsed, code, "\(endpoint)")
            XCTAssertEqual(parsed.endpoint, endpoint)
        }
        let a = InviteCode.generate(serverPublicKey: server, endpoint: PeerEndpoint(host: "192.0.2.1", port: 1))
        let b = InviteCode.generate(serverPublicKey: server, endpoint: PeerEndpoint(host: "192.0.2.1", port: 1))
        XCTAssertNotEqual(a.secret, b.secret, "each code gets its own secret")
    }

    func testEveryChangedCharacterIsCaught() {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let characters = Array(ipv4Text)
        for position in characters.indices {
            for shift in [1, 32] {  // the neighbour, and a character far away
                var mistyped = characters
                let index = alphabet.firstIndex(of: characters[position])!
                mistyped[position] = alphabet[(index + shift) % alphabet.count]
                XCTAssertEqual(refusal(String(mistyped)), .mistyped, "character \(position + 1) changed")
            }
        }
        var swapped = characters
        swapped.swapAt(10, 11)
        XCTAssertEqual(refusal(String(swapped)), .mistyped)
        XCTAssertEqual(refusal(ipv4Text + "A"), .mistyped)
        XCTAssertEqual(InviteCodeError.mistyped.description,
                       "the invite code does not check out: a character was mistyped, lost or added; copy the code again whole")
    }

    func testACutCodeIsCaught() {
        // 73 bytes, the shortest code there could be, take 98 characters.
        for kept in [101, 100, 99, 98] {
            XCTAssertEqual(refusal(String(ipv4Text.prefix(kept))), .mistyped, "\(kept) characters kept")
        }
        XCTAssertEqual(refusal(String(ipv4Text.prefix(97))), .tooShort(characters: 97))
        XCTAssertEqual(refusal(String(ipv4Text.prefix(40))), .tooShort(characters: 40))
        XCTAssertEqual(refusal(String(ipv4Text.prefix(41))), .tooShort(characters: 41))
        XCTAssertEqual(InviteCodeError.tooShort(characters: 40).description,
                       "the invite code is too short (40 characters): it was cut off; copy the code again whole")
        XCTAssertEqual(refusal(""), .empty)
        XCTAssertEqual(refusal(" \n"), .empty)
    }

    func testForeignCharactersAreNamedByPosition() {
        var text = Array(ipv4Text)
        text[4] = "+"
        XCTAssertEqual(refusal(String(text)), .invalidCharacter(position: 5, character: "+"))
        XCTAssertEqual(InviteCodeError.invalidCharacter(position: 5, character: "+").description,
                       "character 5 of the invite code ('+') cannot be in a code (they use letters, digits, '-' and '_'): copy the code again whole")
        XCTAssertEqual(refusal("https://x"), .invalidCharacter(position: 6, character: ":"))
    }

    func testANewerFormatAsksForAnUpgrade() throws {
        var bytes = try Base64URL.decode(ipv4Text)
        bytes.removeLast(InviteCode.checkLength)
        bytes[0] = 2
        bytes += InviteCode.check(bytes)
        XCTAssertEqual(refusal(Base64URL.encode(bytes)), .unsupportedVersion(2))
    }

    func testAnEndpointACodeCannotCarryIsRefused() {
        let long = InviteCode(serverPublicKey: server, endpoint: PeerEndpoint(host: String(repeating: "a", count: 254), port: 1),
                              secret: secret)
        XCTAssertThrowsError(try long.text()) {
            XCTAssertEqual($0 as? InviteCodeError, .badEndpoint("the host name is longer than 253 characters"))
        }
        let odd = InviteCode(serverPublicKey: server, endpoint: PeerEndpoint(host: "a b", port: 1), secret: secret)
        XCTAssertThrowsError(try odd.text()) {
            XCTAssertEqual($0 as? InviteCodeError, .badEndpoint("'a b' is not a host name or address"))
        }
    }

    func testTheSecretIsNeverPrinted() {
        let code = InviteCode(serverPublicKey: server, endpoint: PeerEndpoint(host: "192.0.2.1", port: 51820), secret: secret)
        XCTAssertEqual(code.description, "InviteCode(server: \(server.base64), endpoint: 192.0.2.1:51820)")
        var dumped = ""
        dump(code, to: &dumped)
        XCTAssertFalse(dumped.contains(secret.base64))
        XCTAssertFalse(dumped.contains("secret"))
    }

    func testTheDerivedKeyPairMatchesAnIndependentComputation() throws {
        let pair = InviteCode.derivedKeyPair(secret: secret)
        XCTAssertEqual(pair.privateKey, try Key(base64: "oCgFwStqVubrFu/OozY0N1IXGH/EobE0/m6pmxDjelM="))
        XCTAssertEqual(pair.publicKey, try Key(base64: "W9UBqPcePNKiet0oBQVCYWIeCz+hXuQdLW6L4eoEo3Y="))
        XCTAssertEqual(X25519.publicKey(for: pair.privateKey), pair.publicKey)

        let other = InviteCode.derivedKeyPair(secret: Key(bytes: [UInt8](repeating: 0xff, count: 32)))
        XCTAssertEqual(other.publicKey, try Key(base64: "jdHkxI8GtGkbToRDWHIJ6y1w1Oqu8Mnz43L18Dw1RUY="))
        XCTAssertNotEqual(other.publicKey, pair.publicKey)

        let code = InviteCode(serverPublicKey: server, endpoint: PeerEndpoint(host: "192.0.2.1", port: 1), secret: secret)
        XCTAssertEqual(code.derivedKeyPair.publicKey, pair.publicKey, "the same on both sides, every time")
        XCTAssertEqual(try InviteCode(parsing: ipv4Text).derivedKeyPair.publicKey, pair.publicKey)
    }
}
