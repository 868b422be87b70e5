// The device's tick polls only peers with a timer armed: idle peers are never listed, a
// peer joins when a timer is armed and leaves once nothing is, or when it is removed.
import Addresses
import XCTest
@testable import WireGuard

final class ArmedTimersTests: XCTestCase {
    private let toB = DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: DevicePair.tunnelB, payload: [1])

    private func addIdlePeers(_ count: Int, to device: WireGuardDevice, now: UInt64) {
        for _ in 0..<count {
            device.setPeer(PeerConfiguration(publicKey: X25519.publicKey(for: X25519.generatePrivateKey())), now: now)
        }
    }

    func testIdlePeersAreNotPolledAndAPeerLeavesOnceItsTimersAreDone() {
        let pair = DevicePair()
        addIdlePeers(100, to: pair.a, now: pair.now)
        pair.advance(seconds: 0.1)
        XCTAssertEqual(pair.a.peers.count, 101)
        XCTAssertEqual(pair.a.peersWithTimersArmed, 0, "no peer has anything to do")
        XCTAssertEqual(pair.b.peersWithTimersArmed, 0)

        pair.send(pair.a, toB)
        XCTAssertEqual(pair.a.peersWithTimersArmed, 1, "the initiation's retransmit timer")
        pair.pump()
        XCTAssertTrue(pair.peerOfA.hasSession && pair.peerOfB.hasSession)
        XCTAssertEqual(pair.outB.delivered, [toB])
        XCTAssertEqual(pair.b.peersWithTimersArmed, 1, "keepalive and key expiry")

        // Past 3 x REJECT_AFTER_TIME the keys are zeroed and nothing stays armed.
        for _ in 0..<600 { pair.advance(seconds: 1) }
        XCTAssertFalse(pair.peerOfA.hasSession)
        XCTAssertFalse(pair.peerOfB.hasSession)
        XCTAssertEqual(pair.a.peersWithTimersArmed, 0)
        XCTAssertEqual(pair.b.peersWithTimersArmed, 0)

        // Traffic again: the same peer joins again and gets through.
        pair.send(pair.a, toB)
        pair.pump()
        XCTAssertEqual(pair.outB.delivered, [toB, toB])
        XCTAssertEqual(pair.a.peersWithTimersArmed, 1)
    }

    func testARemovedPeerLeavesTheListAndTheOthersStayOnIt() throws {
        let pair = DevicePair(keepaliveA: 25)
        addIdlePeers(2, to: pair.a, now: pair.now)
        let extra = try XCTUnwrap(pair.a.setPeer(PeerConfiguration(publicKey: X25519.publicKey(for: X25519.generatePrivateKey()),
                                                                   endpoint: Endpoint("192.0.2.9:51820")!,
                                                                   persistentKeepalive: 10), now: pair.now))
        XCTAssertEqual(pair.a.peersWithTimersArmed, 2, "both peers with a persistent keepalive")
        pair.a.removePeer(pair.b.publicKey)
        XCTAssertEqual(pair.a.peersWithTimersArmed, 1)
        let sentBefore = pair.outA.datagrams.count
        pair.now += 11 * ProtocolConstants.nanosecondsPerSecond
        pair.a.tick(now: pair.now)
        XCTAssertEqual(pair.a.peersWithTimersArmed, 1, "the initiation's retransmit timer")
        XCTAssertEqual(extra.handshakesSent, 1, "its keepalive, with no session, starts a handshake")
        XCTAssertEqual(pair.outA.datagrams.count, sentBefore + 1)
    }
}
