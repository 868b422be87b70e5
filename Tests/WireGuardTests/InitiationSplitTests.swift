// An initiation in three steps, as the tunnel runs it: screened on the device's queue,
// its Diffie-Hellman on another thread, completed back on the device's queue.
import Addresses
import Dispatch
import XCTest
@testable import WireGuard

final class InitiationSplitTests: XCTestCase {
    private let toB = DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: DevicePair.tunnelB, payload: [7])

    /// A's initiation to B, as it left A.
    private func initiation(_ pair: DevicePair) throws -> [UInt8] {
        pair.send(pair.a, toB)
        let sent = try XCTUnwrap(pair.outA.datagrams.first)
        pair.outA.datagrams.removeAll()
        XCTAssertEqual(MessageType.of(sent.bytes), .handshakeInitiation)
        return sent.bytes
    }

    func testAnInitiationIdentifiedOnAnotherThreadCompletesTheSession() throws {
        let pair = DevicePair()
        let message = try initiation(pair)
        let pending = try XCTUnwrap(message.withUnsafeBytes { pair.b.screenInitiation($0, from: DevicePair.endpointA, now: pair.now) })
        XCTAssertTrue(pair.outB.datagrams.isEmpty, "nothing is answered before the sender is known")
        let identified = DispatchQueue(label: "identify").sync { pending.identify() }
        pair.b.completeInitiation(identified, now: pair.now)
        XCTAssertEqual(pair.outB.datagrams.count, 1, "the response")
        XCTAssertEqual(MessageType.of(pair.outB.datagrams[0].bytes), .handshakeResponse)
        pair.pump()
        XCTAssertTrue(pair.peerOfA.hasSession && pair.peerOfB.hasSession)
        XCTAssertEqual(pair.outB.delivered, [toB], "the packet that waited for the session")
        XCTAssertEqual(pair.peerOfB.handshakesReceived, 1)
    }

    func testAResultFromBeforeAKeyChangeIsDroppedAndCounted() throws {
        let pair = DevicePair()
        let message = try initiation(pair)
        let pending = try XCTUnwrap(message.withUnsafeBytes { pair.b.screenInitiation($0, from: DevicePair.endpointA, now: pair.now) })
        let identified = pending.identify()
        pair.b.setPrivateKey(X25519.generatePrivateKey())
        pair.b.completeInitiation(identified, now: pair.now)
        XCTAssertTrue(pair.outB.datagrams.isEmpty, "no response made with a key the device no longer has")
        XCTAssertFalse(pair.peerOfB.hasSession)
        XCTAssertEqual(pair.b.drops[.handshakeFailed], 1)
    }

    func testAStaticKeyThatDoesNotDecryptIsRefusedWhenIdentified() throws {
        let pair = DevicePair()
        var message = try initiation(pair)
        message[40] ^= 0xff   // inside the encrypted static key (after type, index, ephemeral)
        var cookie = PeerCookie(remoteStatic: pair.b.publicKey)
        cookie.addMACs(to: &message, now: pair.now)   // a sender who knows B's public key
        let pending = try XCTUnwrap(message.withUnsafeBytes { pair.b.screenInitiation($0, from: DevicePair.endpointA, now: pair.now) },
                                    "mac1 is valid, so it passes the screen")
        pair.b.completeInitiation(pending.identify(), now: pair.now)
        XCTAssertEqual(pair.b.drops[.handshakeFailed], 1)
        XCTAssertTrue(pair.outB.datagrams.isEmpty)
        XCTAssertEqual(pair.peerOfB.handshakesReceived, 0)
    }
}
