import Addresses
import XCTest
@testable import WireGuard

final class WireGuardDeviceTests: XCTestCase {
    func testFirstPacketStartsHandshakeAndIsDeliveredAfterIt() {
        let pair = DevicePair()
        let packet = DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: DevicePair.tunnelB, payload: Array("hello".utf8))
        pair.send(pair.a, packet)
        XCTAssertEqual(pair.outA.datagrams.count, 1, "an initiation goes out")
        XCTAssertEqual(pair.outA.datagrams[0].bytes.count, HandshakeInitiation.length)
        pair.pump()
        XCTAssertEqual(pair.outB.delivered, [packet], "the staged packet arrives once the session exists")
        XCTAssertTrue(pair.peerOfA.hasSession)
        XCTAssertTrue(pair.peerOfB.hasSession, "the keepalive/data confirmed the responder's keypair")
        XCTAssertNotNil(pair.peerOfA.lastHandshake)
    }

    func testManyPacketsBothWaysIPv4AndIPv6() {
        let pair = DevicePair()
        pair.send(pair.a, DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: DevicePair.tunnelB, payload: []))
        pair.pump()
        for i in 1...2000 {
            let payload = (0..<(i % 300)).map { UInt8(truncatingIfNeeded: $0 &+ i) }
            let p4 = DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: DevicePair.tunnelB, payload: payload)
            let p6 = DevicePair.ipv6Packet(from: "2001:db8:100::2", to: "2001:db8:100::1", payload: payload)
            pair.send(pair.a, p4)
            pair.send(pair.b, p6)
            pair.pump()
            XCTAssertEqual(pair.outB.delivered.last, p4)
            XCTAssertEqual(pair.outA.delivered.last, p6)
        }
        XCTAssertEqual(pair.outB.delivered.count, 2001)
        XCTAssertEqual(pair.outA.delivered.count, 2000)
        XCTAssertEqual(pair.a.drops.total + pair.b.drops.total, 0)
        // Transport messages only: a 16-byte header and tag around the packet padded to 16.
        let sealed = { (packet: Int) in UInt64(32 + (packet + 15) / 16 * 16) }
        let udp = 28   // IPv4 and UDP headers
        let expected = sealed(udp) + (1...2000).reduce(0) { $0 + sealed(udp + $1 % 300) }
        XCTAssertEqual(pair.peerOfA.sentBytes, expected)
        XCTAssertEqual(pair.peerOfB.receivedBytes, expected)
    }

    func testPresharedKeyMismatchFormsNoSession() {
        let pair = DevicePair(psk: Key(bytes: SecureRandom.bytes(32)), pskB: Key(bytes: SecureRandom.bytes(32)))
        pair.send(pair.a, DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: DevicePair.tunnelB, payload: [1]))
        pair.pump()
        XCTAssertFalse(pair.peerOfA.hasSession)
        XCTAssertTrue(pair.outB.delivered.isEmpty)
        XCTAssertEqual(pair.a.drops[.handshakeFailed], 1, "the initiator cannot decrypt the response")
        XCTAssertTrue(pair.outA.events.contains { $0.contains("handshake rejected") }, "\(pair.outA.events)")
    }

    func testSourceOutsideAllowedIPsIsDroppedAndCounted() {
        let pair = DevicePair()
        pair.send(pair.a, DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: DevicePair.tunnelB, payload: [1]))
        pair.pump()
        pair.send(pair.a, DevicePair.ipv4Packet(from: "100.64.0.99", to: DevicePair.tunnelB, payload: [2]))
        pair.pump()
        XCTAssertEqual(pair.outB.delivered.count, 1)
        XCTAssertEqual(pair.b.drops[.sourceNotAllowed], 1)
        XCTAssertEqual(pair.peerOfB.drops[.sourceNotAllowed], 1)
    }

    func testNoPeerForDestinationIsCounted() {
        let pair = DevicePair()
        pair.send(pair.a, DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: "203.0.113.1", payload: [1]))
        XCTAssertEqual(pair.a.drops[.noPeerForDestination], 1)
        XCTAssertTrue(pair.outA.datagrams.isEmpty)
    }

    func testReplayedAndGarbageDatagramsAreCounted() {
        let pair = DevicePair()
        pair.send(pair.a, DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: DevicePair.tunnelB, payload: [1]))
        pair.pump()
        pair.send(pair.a, DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: DevicePair.tunnelB, payload: [2]))
        let captured = pair.outA.datagrams[0].bytes
        pair.pump()
        pair.receive(pair.b, captured, from: DevicePair.endpointA)
        XCTAssertEqual(pair.b.drops[.replayed], 1)
        var flipped = captured
        flipped[40] ^= 1
        pair.receive(pair.b, flipped, from: DevicePair.endpointA)
        XCTAssertEqual(pair.b.drops[.replayed] + pair.b.drops[.decryptionFailed], 2)
        var wrongIndex = captured
        wrongIndex[4] ^= 0xff
        pair.receive(pair.b, wrongIndex, from: DevicePair.endpointA)
        XCTAssertEqual(pair.b.drops[.unknownReceiverIndex], 1)
        for length in [1, 4, 16, 31, 147, 149] {
            pair.receive(pair.b, [UInt8](repeating: 4, count: length), from: DevicePair.endpointA)
        }
        pair.receive(pair.b, [9, 0, 0, 0] + [UInt8](repeating: 0, count: 60), from: DevicePair.endpointA)
        XCTAssertEqual(pair.b.drops[.unknownMessageType] + pair.b.drops[.malformedDatagram], 7)
        XCTAssertEqual(pair.outB.delivered.count, 2)
    }

    func testRoamingFollowsLatestAuthenticatedSource() {
        let pair = DevicePair()
        pair.send(pair.a, DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: DevicePair.tunnelB, payload: [1]))
        pair.pump()
        pair.send(pair.a, DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: DevicePair.tunnelB, payload: [2]))
        let moved = Endpoint("198.51.100.9:40000")!
        let datagram = pair.outA.datagrams.removeFirst().bytes
        pair.receive(pair.b, datagram, from: moved)
        XCTAssertEqual(pair.peerOfB.endpoint, moved)
        // An unauthenticated datagram from elsewhere does not move it.
        pair.receive(pair.b, datagram, from: Endpoint("203.0.113.66:1")!)
        XCTAssertEqual(pair.peerOfB.endpoint, moved)
    }

    func testRekeyAfterTimeKeepsTrafficFlowing() {
        let pair = DevicePair()
        pair.send(pair.a, DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: DevicePair.tunnelB, payload: [0]))
        pair.pump()
        let first = pair.peerOfA.current
        var delivered = 1
        for second in 1...400 {
            pair.advance(seconds: 1)
            pair.send(pair.a, DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: DevicePair.tunnelB, payload: [UInt8(second % 256)]))
            pair.send(pair.b, DevicePair.ipv4Packet(from: DevicePair.tunnelB, to: DevicePair.tunnelA, payload: [1]))
            pair.pump()
            delivered += 1
            XCTAssertEqual(pair.outB.delivered.count, delivered, "no packet lost at second \(second)")
        }
        XCTAssertFalse(pair.peerOfA.current === first, "the session was rekeyed")
        XCTAssertGreaterThanOrEqual(pair.peerOfA.handshakesSent, 3, "rekeyed about every 120 s")
        XCTAssertEqual(pair.a.drops.total + pair.b.drops.total, 0)
    }

    func testKeepaliveAfterOneWayTraffic() {
        let pair = DevicePair()
        pair.send(pair.a, DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: DevicePair.tunnelB, payload: [1]))
        pair.pump()
        let sentBefore = pair.peerOfB.sentBytes
        pair.send(pair.a, DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: DevicePair.tunnelB, payload: [2]))
        pair.pump()
        pair.advance(seconds: 9)
        XCTAssertEqual(pair.peerOfB.sentBytes, sentBefore, "nothing before KEEPALIVE_TIMEOUT")
        pair.advance(seconds: 1.5)
        XCTAssertEqual(pair.peerOfB.sentBytes, sentBefore + 32, "one empty transport message")
    }

    func testGivesUpAndWipesKeysWithoutAPeer() {
        let pair = DevicePair()
        pair.send(pair.a, DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: DevicePair.tunnelB, payload: [1]))
        pair.pump()
        XCTAssertTrue(pair.peerOfA.hasSession)
        pair.linkUp = false
        pair.send(pair.a, DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: DevicePair.tunnelB, payload: [2]))
        for _ in 0..<130 { pair.advance(seconds: 1) }
        XCTAssertTrue(pair.outA.events.contains { $0.contains("giving up") }, "gave up retrying")
        let attempts = pair.peerOfA.handshakesSent
        XCTAssertLessThanOrEqual(attempts, 22, "retries stop after about 90 s")
        for _ in 0..<420 { pair.advance(seconds: 1) }
        XCTAssertFalse(pair.peerOfA.hasSession, "keys zeroed after 3 x REJECT_AFTER_TIME")
        XCTAssertEqual(pair.a.indexTable.count, 0, "no index left behind: the peer's state is back to nothing")
        XCTAssertTrue(pair.peerOfA.staged.isEmpty)
        XCTAssertTrue(pair.outA.events.contains { $0.contains("keys zeroed") })
    }

    func testPersistentKeepaliveStartsSessionAndRepeats() {
        let pair = DevicePair(keepaliveA: 25)
        pair.advance(seconds: 0.1)
        XCTAssertTrue(pair.peerOfA.hasSession, "turning keepalive on brings the session up")
        let before = pair.peerOfA.sentBytes
        pair.advance(seconds: 26)
        XCTAssertEqual(pair.peerOfA.sentBytes, before + 32, "one keepalive: an empty transport message")
    }

    func testCookieUnderLoad() {
        let pair = DevicePair()
        pair.b.forceUnderLoad = true
        pair.send(pair.a, DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: DevicePair.tunnelB, payload: [1]))
        pair.pump()
        XCTAssertFalse(pair.peerOfA.hasSession)
        XCTAssertTrue(pair.outA.events.contains { $0.contains("cookie reply") })
        pair.advance(seconds: 5.5)  // retransmit carries mac2
        XCTAssertTrue(pair.peerOfA.hasSession)
        XCTAssertEqual(pair.outB.delivered.count, 1)
    }

    func testRemovedPeerCannotHandshake() {
        let pair = DevicePair()
        pair.b.removePeer(pair.a.publicKey)
        pair.send(pair.a, DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: DevicePair.tunnelB, payload: [1]))
        pair.pump()
        XCTAssertFalse(pair.peerOfA.hasSession)
        XCTAssertEqual(pair.b.drops[.handshakeFailed], 1)
    }
}

extension WireGuardDeviceTests {
    /// Both sides initiate at once: each answers the other and drops the stale response,
    /// as the kernel does; the retransmit after REKEY_TIMEOUT settles it.
    func testSimultaneousInitiationsSettle() {
        let pair = DevicePair(jitterB: 200_000_000)
        let p4 = DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: DevicePair.tunnelB, payload: [7])
        let back = DevicePair.ipv4Packet(from: DevicePair.tunnelB, to: DevicePair.tunnelA, payload: [8])
        pair.send(pair.a, p4)
        pair.send(pair.b, back)
        pair.pump()
        for _ in 0..<60 { pair.advance(seconds: 0.1) }
        XCTAssertEqual(pair.outB.delivered, [p4])
        XCTAssertEqual(pair.outA.delivered, [back])
        XCTAssertTrue(pair.peerOfA.hasSession && pair.peerOfB.hasSession)
    }
}

extension WireGuardDeviceTests {
    /// A peer key that can never handshake (a low-order point) is tried once per
    /// REKEY_TIMEOUT, not once per outbound packet.
    func testUnusablePeerKeyIsRetriedOnTheTimerOnly() {
        let output = RecordingOutput()
        let device = WireGuardDevice(privateKey: X25519.generatePrivateKey(), output: output,
                                     wallClock: { TAI64N(unixSeconds: 1_700_000_000, nanoseconds: 0) }, jitter: { _ in 0 })
        let now: UInt64 = 1_000 * ProtocolConstants.nanosecondsPerSecond
        let peer = device.setPeer(PeerConfiguration(publicKey: Key(bytes: [UInt8](repeating: 0, count: 32)),
                                                    endpoint: Endpoint("192.0.2.2:51820")!,
                                                    allowedIPs: [try! IPPrefix(parsing: "100.64.0.2/32")]), now: now)!
        var buffer = [UInt8](repeating: 0, count: WireGuardDevice.headroom) + DevicePair.ipv4Packet(
            from: "100.64.0.1", to: "100.64.0.2", payload: [1]) + [UInt8](repeating: 0, count: WireGuardDevice.tailroom)
        for _ in 0..<20 {
            buffer.withUnsafeMutableBytes { device.sendPacket(in: $0, length: 29, now: now) }
        }
        XCTAssertEqual(peer.handshakesFailed, 1)
        XCTAssertTrue(output.datagrams.isEmpty)
    }
}
