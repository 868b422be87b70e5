// Two in-process WireGuard endpoints for tests: identities, per-peer handshakes, and a
// helper that runs a whole handshake through encoded messages with MACs.
import XCTest
@testable import WireGuard

struct TestPeers {
    let initiator = StaticIdentity(privateKey: X25519.generatePrivateKey())
    let responder = StaticIdentity(privateKey: X25519.generatePrivateKey())
    var initiatorSide: Handshake
    var responderSide: Handshake
    var initiatorCookie: PeerCookie
    var responderCookie: PeerCookie
    var clock: UInt64 = 1_000 * ProtocolConstants.nanosecondsPerSecond
    var wallSeconds: UInt64 = 1_700_000_000

    init(initiatorPSK: Key? = nil, responderPSK: Key? = nil) {
        initiatorSide = Handshake(remoteStatic: responder.publicKey, presharedKey: initiatorPSK)
        responderSide = Handshake(remoteStatic: initiator.publicKey, presharedKey: responderPSK)
        initiatorCookie = PeerCookie(remoteStatic: responder.publicKey)
        responderCookie = PeerCookie(remoteStatic: initiator.publicKey)
    }

    /// A fresh wall-clock timestamp, one second later than the previous one.
    mutating func nextTimestamp() -> TAI64N {
        wallSeconds += 1
        return TAI64N(unixSeconds: wallSeconds, nanoseconds: 0)
    }

    /// Encoded initiation with MACs.
    mutating func initiationBytes(index: UInt32 = 0x1111) throws -> [UInt8] {
        var bytes = try initiatorSide.createInitiation(local: initiator, localIndex: index,
                                                       timestamp: nextTimestamp()).encoded()
        initiatorCookie.addMACs(to: &bytes, now: clock)
        return bytes
    }

    /// Responder consumes an initiation and answers; returns the encoded response.
    mutating func respond(to initiation: [UInt8], index: UInt32 = 0x2222) throws -> [UInt8] {
        let message = try HandshakeInitiation(bytes: initiation)
        let identity = try Handshake.identifyInitiator(message, local: responder)
        XCTAssertEqual(identity.publicKey, initiator.publicKey)
        try responderSide.consumeInitiation(identity, local: responder, now: clock)
        var bytes = try responderSide.createResponse(local: responder, localIndex: index).encoded()
        responderCookie.addMACs(to: &bytes, now: clock)
        return bytes
    }

    /// The whole exchange; returns (initiator's keypair, responder's keypair).
    mutating func completeHandshake() throws -> (Keypair, Keypair) {
        let response = try respond(to: try initiationBytes())
        let responderKeys = try responderSide.beginSession(now: clock)
        try initiatorSide.consumeResponse(try HandshakeResponse(bytes: response), local: initiator)
        let initiatorKeys = try initiatorSide.beginSession(now: clock)
        return (initiatorKeys, responderKeys)
    }
}

/// Seals `payload` with `sender` and opens it with `receiver` through one buffer.
func roundTrip(_ payload: [UInt8], from sender: Keypair, to receiver: Keypair, now: UInt64) throws -> [UInt8] {
    var buffer = [UInt8](repeating: 0, count: Keypair.sealedLength(payloadLength: payload.count))
    buffer.replaceSubrange(16..<16 + payload.count, with: payload)
    let length = try buffer.withUnsafeMutableBytes { try sender.seal(payloadLength: payload.count, in: $0, now: now) }
    XCTAssertEqual(length, buffer.count)
    let range = try buffer.withUnsafeMutableBytes { try receiver.open($0, now: now) }
    return Array(buffer[range].prefix(payload.count))
}
