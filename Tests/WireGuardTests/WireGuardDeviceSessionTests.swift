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
}
