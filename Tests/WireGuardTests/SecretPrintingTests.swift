// Secrets never reach text: not through a description, a debug description, nor a dump
// (which walks stored properties by reflection, as a debugger does).
import XCTest
@testable import WireGuard

final class SecretPrintingTests: XCTestCase {
    /// Every way Swift turns a value into text.
    private func renderings<T>(_ value: T) -> [String] {
        var dumped = ""
        dump(value, to: &dumped)
        return [String(describing: value), String(reflecting: value), dumped]
    }

    /// Whether the first bytes of `secret` appear, in order, among the numbers in `text`
    /// (however they are laid out: "[1, 2, 3]" or one per dump line).
    private func shows(_ secret: [UInt8], in text: String) -> Bool {
        let numbers = text.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        let run = secret.prefix(8).map(Int.init)
        guard numbers.count >= run.count else { return false }
        return (0...(numbers.count - run.count)).contains { Array(numbers[$0..<($0 + run.count)]) == run }
    }

    func testKeyBytesAreNeverRendered() {
        let key = X25519.generatePrivateKey()
        for text in renderings(key) {
            XCTAssertFalse(shows(key.bytes, in: text), "key bytes in: \(text.prefix(80))")
            XCTAssertFalse(text.contains(key.base64), "key in base64 in: \(text.prefix(80))")
        }
    }

    func testHandshakeInProgressRendersNoChainingKeyOrHash() throws {
        var peers = TestPeers()
        _ = try peers.initiationBytes()
        let noise = try XCTUnwrap(peers.initiatorSide.symmetricForTesting)
        for text in renderings(peers.initiatorSide) {
            XCTAssertFalse(shows(noise.chainingKey, in: text), "chaining key in: \(text.prefix(120))")
            XCTAssertFalse(shows(noise.hash, in: text), "handshake hash in: \(text.prefix(120))")
        }
    }

    func testStaticIdentityRendersNoPrivateKey() {
        let identity = StaticIdentity(privateKey: X25519.generatePrivateKey())
        for text in renderings(identity) {
            XCTAssertFalse(shows(identity.privateKey.bytes, in: text), "private key in: \(text.prefix(120))")
        }
    }

    func testCookieCheckerRendersNoSecret() {
        let checker = CookieChecker(local: StaticIdentity(privateKey: X25519.generatePrivateKey()))
        // A cookie reply needs a cookie, and a cookie the secret.
        XCTAssertNotNil(checker.makeReply(to: [1] + [UInt8](repeating: 0, count: HandshakeInitiation.length - 1),
                                          source: [192, 0, 2, 1, 0, 1], now: 1))
        let secret = checker.secretForTesting
        XCTAssertFalse(secret.allSatisfy { $0 == 0 })
        for text in renderings(checker) {
            XCTAssertFalse(shows(secret, in: text), "cookie secret in: \(text.prefix(120))")
        }
    }
}
