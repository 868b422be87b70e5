// mac1 on every handshake message, mac2 and cookie replies under load, cookie expiry and
// secret rotation.
import XCTest
@testable import WireGuard

final class CookieTests: XCTestCase {
    private var peers = TestPeers()
    private var checker: CookieChecker!
    private let source: [UInt8] = [192, 0, 2, 7, 0xCA, 0xFE]

    override func setUp() {
        checker = CookieChecker(local: peers.responder)
    }

    func testMAC1IsCheckedAlways() throws {
        let initiation = try peers.initiationBytes()
        XCTAssertEqual(checker.validate(initiation, source: source, underLoad: false, now: peers.clock), .valid)
        for offset in [0, 50, 115, 116, 131] {
            var bad = initiation
            bad[offset] ^= 1
            XCTAssertEqual(checker.validate(bad, source: source, underLoad: false, now: peers.clock), .invalidMAC1,
                           "byte \(offset) changed")
        }
        // mac2 is outside mac1's coverage: a wrong mac2 is irrelevant when not under load.
        var mac2Changed = initiation
        mac2Changed[140] ^= 1
        XCTAssertEqual(checker.validate(mac2Changed, source: source, underLoad: false, now: peers.clock), .valid)
    }

    func testMAC1KeyIsTheReceiversPublicKey() throws {
        let stranger = CookieChecker(local: StaticIdentity(privateKey: X25519.generatePrivateKey()))
        XCTAssertEqual(stranger.validate(try peers.initiationBytes(), source: source, underLoad: false, now: 0),
                       .invalidMAC1)
    }

    func testResponsesCarryMAC1ForTheInitiator() throws {
        let response = try peers.respond(to: try peers.initiationBytes())
        let initiatorChecker = CookieChecker(local: peers.initiator)
        XCTAssertEqual(initiatorChecker.validate(response, source: source, underLoad: false, now: 0), .valid)
        XCTAssertEqual(checker.validate(response, source: source, underLoad: false, now: 0), .invalidMAC1)
    }

    func testNonHandshakeLengthsAreInvalid() {
        for length in [0, 31, 32, 64, 147, 149] {
            XCTAssertEqual(checker.validate([UInt8](repeating: 1, count: length), source: source, underLoad: true,
                                            now: 0), .invalidMAC1)
        }
        XCTAssertNil(checker.makeReply(to: [UInt8](repeating: 1, count: 64), source: source, now: 0))
    }

    func testCookieRoundTripUnderLoad() throws {
        let first = try peers.initiationBytes()
        XCTAssertEqual(checker.validate(first, source: source, underLoad: true, now: peers.clock),
                       .validMAC1ButNeedsCookie)
        let reply = try XCTUnwrap(checker.makeReply(to: first, source: source, now: peers.clock))
        XCTAssertEqual(reply.receiverIndex, 0x1111, "addressed to the initiation's sender index")
        let parsed = try CookieReply(bytes: reply.encoded())
        try peers.initiatorCookie.consume(parsed, now: peers.clock)
        XCTAssertTrue(peers.initiatorCookie.hasCookie)

        peers.clock += ProtocolConstants.rekeyTimeout
        let retried = try peers.initiationBytes()
        XCTAssertEqual(checker.validate(retried, source: source, underLoad: true, now: peers.clock), .valid)
        // The cookie is bound to the source address.
        XCTAssertEqual(checker.validate(retried, source: [198, 51, 100, 1, 0xCA, 0xFE], underLoad: true,
                                        now: peers.clock), .validMAC1ButNeedsCookie)
        // And the retried initiation completes the handshake.
        XCTAssertNoThrow(try peers.respond(to: retried))
    }

    func testCookieReplyIsTakenOnceAndOnlyForOurLastMessage() throws {
        XCTAssertThrowsError(try peers.initiatorCookie.consume(
            CookieReply(receiverIndex: 1, nonce: [UInt8](repeating: 0, count: 24),
                        encryptedCookie: [UInt8](repeating: 0, count: 32)), now: 0)) {
            XCTAssertEqual($0 as? CookieError, .noMessageSent)
        }
        let old = try peers.initiationBytes()
        let replyToOld = try XCTUnwrap(checker.makeReply(to: old, source: source, now: peers.clock))
        _ = try peers.initiationBytes()  // a newer message: its mac1 is what a reply must bind to
        XCTAssertThrowsError(try peers.initiatorCookie.consume(replyToOld, now: peers.clock)) {
            XCTAssertEqual($0 as? CookieError, .decryptionFailed)
        }
        let current = try peers.initiationBytes()
        var reply = try XCTUnwrap(checker.makeReply(to: current, source: source, now: peers.clock))
        reply.encryptedCookie[0] ^= 1
        XCTAssertThrowsError(try peers.initiatorCookie.consume(reply, now: peers.clock))
        reply.encryptedCookie[0] ^= 1
        try peers.initiatorCookie.consume(reply, now: peers.clock)
        XCTAssertThrowsError(try peers.initiatorCookie.consume(reply, now: peers.clock)) {
            XCTAssertEqual($0 as? CookieError, .noMessageSent)
        }
    }

    func testCookieStopsBeingUsedBeforeTheSecretRotates() throws {
        let first = try peers.initiationBytes()
        let reply = try XCTUnwrap(checker.makeReply(to: first, source: source, now: peers.clock))
        try peers.initiatorCookie.consume(reply, now: peers.clock)
        let cutoff = peers.clock + ProtocolConstants.cookieSecretMaxAge - ProtocolConstants.cookieSecretLatency
        peers.clock = cutoff - 1
        var message = try peers.initiationBytes()
        XCTAssertNotEqual(Array(message[132..<148]), [UInt8](repeating: 0, count: 16), "mac2 filled")
        peers.clock = cutoff
        message = try peers.initiationBytes()
        XCTAssertEqual(Array(message[132..<148]), [UInt8](repeating: 0, count: 16), "stale cookie: mac2 zero")
    }

    func testSecretRotationInvalidatesOldCookies() throws {
        let start = peers.clock
        let first = try peers.initiationBytes()
        let reply = try XCTUnwrap(checker.makeReply(to: first, source: source, now: start))
        try peers.initiatorCookie.consume(reply, now: start)
        let withMAC2 = try peers.initiationBytes()
        XCTAssertEqual(checker.validate(withMAC2, source: source, underLoad: true,
                                        now: start + ProtocolConstants.cookieSecretMaxAge - 1), .valid)
        XCTAssertEqual(checker.validate(withMAC2, source: source, underLoad: true,
                                        now: start + ProtocolConstants.cookieSecretMaxAge), .validMAC1ButNeedsCookie,
                       "new secret, old cookie no longer matches")
    }
}
