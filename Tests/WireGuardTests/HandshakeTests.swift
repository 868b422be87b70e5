// The Noise_IKpsk2 handshake between two in-process peers: success with and without a
// preshared key (then 10,000 transport messages each way), and every refusal.
import XCTest
@testable import WireGuard

final class HandshakeTests: XCTestCase {
    private func exchangeTraffic(_ a: Keypair, _ b: Keypair, now: UInt64, count: Int = 10_000) throws {
        for i in 0..<count {
            let payload = (0..<(i % 97)).map { UInt8(truncatingIfNeeded: $0 &+ i) }
            XCTAssertEqual(try roundTrip(payload, from: a, to: b, now: now), payload)
            XCTAssertEqual(try roundTrip(payload, from: b, to: a, now: now), payload)
        }
        XCTAssertEqual(a.sendingCounter, UInt64(count))
        XCTAssertEqual(b.replayWindow.greatestAccepted, UInt64(count - 1))
    }

    func testHandshakeWithoutPresharedKeyThenTenThousandMessagesEachWay() throws {
        var peers = TestPeers()
        let (i, r) = try peers.completeHandshake()
        XCTAssertTrue(i.isInitiator)
        XCTAssertFalse(r.isInitiator)
        XCTAssertEqual(i.localIndex, 0x1111)
        XCTAssertEqual(i.remoteIndex, 0x2222)
        XCTAssertEqual(r.localIndex, 0x2222)
        XCTAssertEqual(r.remoteIndex, 0x1111)
        XCTAssertEqual(peers.initiatorSide.state, .zeroed, "handshake zeroed after beginSession")
        XCTAssertEqual(peers.responderSide.state, .zeroed)
        try exchangeTraffic(i, r, now: peers.clock)
    }

    func testHandshakeWithPresharedKeyThenTenThousandMessagesEachWay() throws {
        let psk = Key(bytes: SecureRandom.bytes(32))
        var peers = TestPeers(initiatorPSK: psk, responderPSK: psk)
        let (i, r) = try peers.completeHandshake()
        try exchangeTraffic(i, r, now: peers.clock)
    }

    func testPresharedKeyMismatchFailsAtResponse() throws {
        var peers = TestPeers(initiatorPSK: Key(bytes: SecureRandom.bytes(32)), responderPSK: nil)
        let response = try peers.respond(to: try peers.initiationBytes())
        XCTAssertThrowsError(try peers.initiatorSide.consumeResponse(try HandshakeResponse(bytes: response),
                                                                     local: peers.initiator)) {
            XCTAssertEqual($0 as? HandshakeError, .decryptionFailed(field: "response empty payload"))
        }
        XCTAssertEqual(peers.initiatorSide.state, .createdInitiation, "a failed response changes nothing")
    }

    func testInitiationForAnotherResponderDoesNotDecrypt() throws {
        var peers = TestPeers()
        let message = try HandshakeInitiation(bytes: try peers.initiationBytes())
        let stranger = StaticIdentity(privateKey: X25519.generatePrivateKey())
        XCTAssertThrowsError(try Handshake.identifyInitiator(message, local: stranger)) {
            XCTAssertEqual($0 as? HandshakeError, .decryptionFailed(field: "initiator static key"))
        }
    }

    func testInitiationFromAnotherPeerIsRefusedByThisPeersHandshake() throws {
        var peers = TestPeers()
        let identity = try Handshake.identifyInitiator(try HandshakeInitiation(bytes: try peers.initiationBytes()),
                                                       local: peers.responder)
        var other = Handshake(remoteStatic: X25519.publicKey(for: X25519.generatePrivateKey()))
        XCTAssertThrowsError(try other.consumeInitiation(identity, local: peers.responder, now: peers.clock)) {
            XCTAssertEqual($0 as? HandshakeError, .wrongPeer)
        }
    }

    func testReplayedInitiationIsRejectedEvenAfterTheFloodWindow() throws {
        var peers = TestPeers()
        let initiation = try peers.initiationBytes()
        _ = try peers.respond(to: initiation)
        peers.clock += ProtocolConstants.rekeyTimeout
        XCTAssertThrowsError(try peers.respond(to: initiation)) {
            XCTAssertEqual($0 as? HandshakeError, .staleTimestamp)
        }
        XCTAssertEqual(peers.responderSide.state, .createdResponse, "the replay changed nothing")
    }

    func testOlderTimestampIsRejected() throws {
        var peers = TestPeers()
        _ = try peers.respond(to: try peers.initiationBytes())
        peers.clock += ProtocolConstants.rekeyTimeout
        peers.wallSeconds -= 10
        XCTAssertThrowsError(try peers.respond(to: try peers.initiationBytes())) {
            XCTAssertEqual($0 as? HandshakeError, .staleTimestamp)
        }
    }

    func testInitiationFloodLimit() throws {
        var peers = TestPeers()
        _ = try peers.respond(to: try peers.initiationBytes())
        peers.clock += ProtocolConstants.handshakeInitiationRate - 1
        XCTAssertThrowsError(try peers.respond(to: try peers.initiationBytes())) {
            XCTAssertEqual($0 as? HandshakeError, .initiationFlood)
        }
        peers.clock += 1
        XCTAssertNoThrow(try peers.respond(to: try peers.initiationBytes()), "20 ms later it is accepted")
    }

    func testStepsOutOfOrderAreRefused() throws {
        var peers = TestPeers()
        XCTAssertThrowsError(try peers.responderSide.createResponse(local: peers.responder, localIndex: 1)) {
            XCTAssertEqual($0 as? HandshakeError, .wrongState(expected: .consumedInitiation, actual: .zeroed))
        }
        XCTAssertThrowsError(try peers.initiatorSide.beginSession(now: 0)) {
            XCTAssertEqual($0 as? HandshakeError, .wrongState(expected: .consumedResponse, actual: .zeroed))
        }
        let response = HandshakeResponse(senderIndex: 1, receiverIndex: 2, ephemeral: [UInt8](repeating: 9, count: 32),
                                         encryptedNothing: [UInt8](repeating: 0, count: 16))
        XCTAssertThrowsError(try peers.initiatorSide.consumeResponse(response, local: peers.initiator)) {
            XCTAssertEqual($0 as? HandshakeError, .wrongState(expected: .createdInitiation, actual: .zeroed))
        }
        _ = try peers.initiationBytes()
        XCTAssertThrowsError(try peers.initiatorSide.beginSession(now: 0), "no response consumed yet")
    }

    func testResponseForAnotherIndexIsRefused() throws {
        var peers = TestPeers()
        let response = try peers.respond(to: try peers.initiationBytes(index: 0x1111))
        var message = try HandshakeResponse(bytes: response)
        message.receiverIndex = 0x9999
        XCTAssertThrowsError(try peers.initiatorSide.consumeResponse(message, local: peers.initiator)) {
            XCTAssertEqual($0 as? HandshakeError, .wrongReceiverIndex(expected: 0x1111, got: 0x9999))
        }
    }

    func testTamperedResponseFails() throws {
        var peers = TestPeers()
        var response = try peers.respond(to: try peers.initiationBytes())
        response[20] ^= 1  // inside the responder's ephemeral key
        XCTAssertThrowsError(try peers.initiatorSide.consumeResponse(try HandshakeResponse(bytes: response),
                                                                     local: peers.initiator))
    }

    func testLowOrderEphemeralIsRefused() throws {
        var peers = TestPeers()
        var message = try HandshakeInitiation(bytes: try peers.initiationBytes())
        message.ephemeral = [UInt8](repeating: 0, count: 32)
        XCTAssertThrowsError(try Handshake.identifyInitiator(message, local: peers.responder)) {
            XCTAssertEqual($0 as? HandshakeError, .weakPublicKey)
        }
    }

    func testNewHandshakeAfterSessionYieldsFreshKeys() throws {
        var peers = TestPeers()
        let (i1, r1) = try peers.completeHandshake()
        peers.clock += ProtocolConstants.rekeyAfterTime
        let (i2, r2) = try peers.completeHandshake()
        XCTAssertEqual(try roundTrip([1, 2, 3], from: i2, to: r2, now: peers.clock), [1, 2, 3])
        // Old and new sessions do not understand each other; the old one still works.
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = try buffer.withUnsafeMutableBytes { try i1.seal(payloadLength: 3, in: $0, now: peers.clock) }
        var copy = Array(buffer.prefix(n))
        XCTAssertThrowsError(try copy.withUnsafeMutableBytes { try r2.open($0, now: peers.clock) })
        copy = Array(buffer.prefix(n))
        XCTAssertNoThrow(try copy.withUnsafeMutableBytes { try r1.open($0, now: peers.clock) })
    }
}
