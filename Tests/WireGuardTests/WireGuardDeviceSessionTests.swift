// Session set-up details the happy-path tests do not reach: what a responder does between
// sending its response and the initiator's first transport message, and where its waiting
// packets go.
import Addresses
import XCTest
@testable import WireGuard

final class WireGuardDeviceSessionTests: XCTestCase {
    private let toB = DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: DevicePair.tunnelB, payload: [1])
    private let toA = DevicePair.ipv4Packet(from: DevicePair.tunnelB, to: DevicePair.tunnelA, payload: [2])

    /// A starts a handshake; B answers it and then has a packet of its own for A before
    /// A's first transport message confirmed B's keypair. Returns with B's response (and
    /// whatever else B sent) still queued in `outB`.
    private func responderWithWaitingPacket() -> DevicePair {
        let pair = DevicePair()
        pair.send(pair.a, toB)
        let initiation = pair.outA.datagrams.removeFirst().bytes
        pair.receive(pair.b, initiation, from: DevicePair.endpointA)
        XCTAssertEqual(pair.outB.datagrams.count, 1, "B answered")
        pair.send(pair.b, toA)
        return pair
    }

    /// The kernel and wireguard-go count a sent response like a sent initiation for the
    /// REKEY_TIMEOUT limit: the session is seconds from confirmed, a second handshake would
    /// only replace it.
    func testResponderDoesNotInitiateRightAfterResponding() {
        let pair = responderWithWaitingPacket()
        XCTAssertEqual(pair.outB.datagrams.map(\.bytes.count), [HandshakeResponse.length],
                       "only the response: no initiation of B's own within REKEY_TIMEOUT of it")
        XCTAssertEqual(pair.peerOfB.handshakesSent, 0)
        pair.pump()
        XCTAssertEqual(pair.outA.delivered, [toA], "B's packet waited for the confirmation, then went")
        XCTAssertEqual(pair.outB.delivered, [toB])
        XCTAssertEqual(pair.peerOfA.handshakesReceived, 0, "one handshake was enough")
    }

    /// After REKEY_TIMEOUT the responder may initiate again (its response was lost, say).
    func testResponderMayInitiateOnceRekeyTimeoutPassed() {
        let pair = responderWithWaitingPacket()
        pair.outB.datagrams.removeAll()  // the response is lost
        pair.now += ProtocolConstants.rekeyTimeout
        pair.send(pair.b, toA)
        XCTAssertEqual(pair.outB.datagrams.map(\.bytes.count), [HandshakeInitiation.length])
    }

    /// The transport message that confirms B's keypair also moves A's endpoint (roaming);
    /// the packets B kept waiting must go to where A is now, as the kernel sets the endpoint
    /// before it sends what was staged.
    func testWaitingPacketsGoToTheEndpointThatConfirmed() {
        let pair = responderWithWaitingPacket()
        pair.receive(pair.a, pair.outB.datagrams.removeFirst().bytes, from: DevicePair.endpointB)
        XCTAssertTrue(pair.outB.datagrams.isEmpty)
        let firstData = pair.outA.datagrams.removeFirst().bytes
        let moved = Endpoint("198.51.100.7:40000")!
        pair.receive(pair.b, firstData, from: moved)
        XCTAssertEqual(pair.outB.delivered, [toB])
        XCTAssertEqual(pair.outB.datagrams.map(\.to), [moved], "B's waiting packet follows A to its new address")
        XCTAssertEqual(pair.peerOfB.endpoint, moved)
    }

    /// A link that carries only persistent keepalives still rekeys at REKEY_AFTER_TIME, as
    /// the kernel checks key freshness after every transport message it sends; otherwise
    /// the session would run out at REJECT_AFTER_TIME and leave a gap until a new one.
    func testKeepalivesAloneRekeyBeforeTheSessionExpires() {
        let pair = DevicePair(keepaliveA: 25)
        pair.advance(seconds: 0.1)
        let first = pair.peerOfA.current
        XCTAssertNotNil(first)
        XCTAssertEqual(pair.peerOfA.handshakesSent, 1)
        for _ in 0..<150 { pair.advance(seconds: 1) }
        XCTAssertEqual(pair.peerOfA.handshakesSent, 2, "the keepalive past 120 s started a rekey")
        XCTAssertFalse(pair.peerOfA.current === first)
        XCTAssertTrue(pair.outB.delivered.isEmpty)
    }

    // MARK: configuration changes mid-session

    private func establishedPair() -> DevicePair {
        let pair = DevicePair()
        pair.send(pair.a, toB)
        pair.pump()
        XCTAssertTrue(pair.peerOfA.hasSession && pair.peerOfB.hasSession)
        return pair
    }

    func testRemovingAPeerMidSessionWipesItsKeysAndForgetsItsIndices() {
        let pair = establishedPair()
        let peer = pair.peerOfB
        let keypair = peer.current
        pair.b.removePeer(pair.a.publicKey)
        XCTAssertEqual(keypair?.isWiped, true)
        XCTAssertFalse(peer.hasSession)
        XCTAssertEqual(pair.b.indexTable.count, 0)
        XCTAssertNil(pair.b.peer(routing: IPAddress(DevicePair.tunnelA)!))
        pair.send(pair.a, toB)
        pair.pump()
        XCTAssertEqual(pair.outB.delivered, [toB], "nothing after the removal")
        XCTAssertEqual(pair.b.drops[.unknownReceiverIndex], 1)
    }

    func testNewPrivateKeyEndsEverySessionAndTheOldPeerCannotReachIt() {
        let pair = establishedPair()
        let keypair = pair.peerOfA.current
        pair.a.setPrivateKey(X25519.generatePrivateKey())
        XCTAssertEqual(keypair?.isWiped, true)
        XCTAssertFalse(pair.peerOfA.hasSession)
        XCTAssertEqual(pair.a.indexTable.count, 0)
        pair.send(pair.b, toA)
        pair.pump()
        XCTAssertTrue(pair.outA.delivered.isEmpty, "the old session is gone")
        XCTAssertEqual(pair.a.drops[.unknownReceiverIndex], 1)
        pair.now += ProtocolConstants.rekeyTimeout  // past the limit on initiations
        pair.send(pair.a, toB)
        pair.pump()
        XCTAssertGreaterThan(pair.b.drops[.handshakeFailed], 0, "B does not know A's new key")
        XCTAssertFalse(pair.peerOfA.hasSession)
    }

    func testTakingAPeersKeyAsOurOwnRemovesThatPeer() {
        let pair = establishedPair()
        let other = X25519.generatePrivateKey()
        let peer = pair.a.setPeer(PeerConfiguration(publicKey: X25519.publicKey(for: other)), now: pair.now)
        XCTAssertNotNil(peer)
        XCTAssertEqual(pair.a.peers.count, 2)
        pair.a.setPrivateKey(other)
        XCTAssertEqual(pair.a.peers.map(\.publicKey), [pair.b.publicKey], "no peer with our own key")
        XCTAssertNil(pair.a.setPeer(PeerConfiguration(publicKey: pair.a.publicKey), now: pair.now))
    }
}
