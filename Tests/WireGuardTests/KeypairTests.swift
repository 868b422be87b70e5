// Transport messages through a keypair: layout, padding, and every receive-side refusal
// with its reason.
import XCTest
@testable import WireGuard

final class KeypairTests: XCTestCase {
    private var peers = TestPeers()
    private var a: Keypair!
    private var b: Keypair!
    private var now: UInt64 { peers.clock }

    override func setUpWithError() throws {
        (a, b) = try peers.completeHandshake()
    }

    /// Seals `payload` from a; returns the whole message.
    private func seal(_ payload: [UInt8], from sender: Keypair? = nil) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0xEE, count: Keypair.sealedLength(payloadLength: payload.count) + 7)
        buffer.replaceSubrange(16..<16 + payload.count, with: payload)
        let n = try buffer.withUnsafeMutableBytes { try (sender ?? a).seal(payloadLength: payload.count, in: $0, now: now) }
        return Array(buffer.prefix(n))
    }

    private func open(_ message: [UInt8], by receiver: Keypair? = nil, at time: UInt64? = nil) -> Result<[UInt8], TransportError> {
        var copy = message
        do {
            let range = try copy.withUnsafeMutableBytes { try (receiver ?? b).open($0, now: time ?? now) }
            return .success(Array(copy[range]))
        } catch {
            return .failure(error as! TransportError)  // open throws only TransportError
        }
    }

    func testMessageLayoutAndPadding() throws {
        let message = try seal([1, 2, 3, 4, 5])
        XCTAssertEqual(message.count, 16 + 16 + 16)
        XCTAssertEqual(Array(message[0..<16]), [4, 0, 0, 0] + le32(a.remoteIndex) + [0, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(try open(message).get(), [1, 2, 3, 4, 5] + [UInt8](repeating: 0, count: 11),
                       "payload zero-padded to 16")
        let second = try seal([])
        XCTAssertEqual(second.count, 32, "keepalive: header + tag")
        XCTAssertEqual(Array(second[8..<16]), [1, 0, 0, 0, 0, 0, 0, 0], "counter 1, little-endian")
        XCTAssertEqual(try open(second).get(), [])
    }

    func testReplayIsRejected() throws {
        let message = try seal([9])
        XCTAssertNoThrow(try open(message).get())
        XCTAssertEqual(open(message), .failure(.replayed(counter: 0)))
    }

    func testReorderedWithinWindowIsAcceptedOnce() throws {
        let messages = try (0..<100).map { _ in try seal([7]) }
        for m in messages.reversed() { XCTAssertNoThrow(try open(m).get()) }
        for (n, m) in messages.enumerated() { XCTAssertEqual(open(m), .failure(.replayed(counter: UInt64(n)))) }
    }

    func testTooOldIsRejected() throws {
        let old = try seal([1])
        for _ in 0..<Int(ReplayWindow.windowSize) { _ = try seal([]) }
        let newest = try seal([2])
        XCTAssertNoThrow(try open(newest).get())
        XCTAssertEqual(open(old), .failure(.tooOld(counter: 0)))
    }

    func testTruncatedMessagesAreRejected() throws {
        let message = try seal([1, 2, 3])
        for length in 0..<32 {
            XCTAssertEqual(open(Array(message.prefix(length))), .failure(.malformed(length: length)))
        }
        for length in 32..<message.count {
            XCTAssertEqual(open(Array(message.prefix(length))), .failure(.authenticationFailed), "length \(length)")
        }
        XCTAssertNoThrow(try open(message).get(), "failed attempts did not burn the counter")
    }

    func testEveryBitFlipIsRejected() throws {
        let message = try seal(Array("bit flips".utf8))
        for bit in 0..<(message.count * 8) {
            var bad = message
            bad[bit / 8] ^= UInt8(1 << (bit % 8))
            let result = open(bad)
            XCTAssertThrowsError(try result.get(), "bit \(bit)")
        }
        XCTAssertNoThrow(try open(message).get())
    }

    func testWrongIndexIsRejected() throws {
        var message = try seal([1])
        message[4] ^= 0xFF
        guard case .failure(.wrongReceiverIndex) = open(message) else { return XCTFail("wrong index accepted") }
    }

    func testExpiryAfterRejectAfterTime() throws {
        let message = try seal([1])
        let late = a.createdAt + ProtocolConstants.rejectAfterTime
        XCTAssertEqual(open(message, at: late), .failure(.expired))
        var buffer = [UInt8](repeating: 0, count: 64)
        XCTAssertThrowsError(try buffer.withUnsafeMutableBytes { try a.seal(payloadLength: 1, in: $0, now: late) }) {
            XCTAssertEqual($0 as? TransportError, .expired)
        }
    }

    func testSendingCounterLimit() throws {
        a.setSendingCounterForTesting(ProtocolConstants.rejectAfterMessages)
        XCTAssertThrowsError(try seal([1])) { XCTAssertEqual($0 as? TransportError, .counterExhausted) }
        a.setSendingCounterForTesting(ProtocolConstants.rekeyAfterMessages)
        XCTAssertTrue(a.needsRekey(now: now))
    }

    func testRekeyTimeOnlyForInitiator() {
        let later = a.createdAt + ProtocolConstants.rekeyAfterTime
        XCTAssertFalse(a.needsRekey(now: later - 1))
        XCTAssertTrue(a.needsRekey(now: later))
        XCTAssertFalse(b.needsRekey(now: later))
    }

    func testBufferTooSmall() {
        var buffer = [UInt8](repeating: 0, count: 47)
        XCTAssertThrowsError(try buffer.withUnsafeMutableBytes { try a.seal(payloadLength: 1, in: $0, now: now) }) {
            XCTAssertEqual($0 as? TransportError, .bufferTooSmall(needed: 48, available: 47))
        }
    }

    func testWipedKeypairRefusesBothDirections() throws {
        let message = try seal([1])
        b.wipe()
        XCTAssertEqual(open(message), .failure(.keypairWiped))
        a.wipe()
        XCTAssertThrowsError(try seal([1])) { XCTAssertEqual($0 as? TransportError, .keypairWiped) }
    }

    private func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
}

extension KeypairTests {
    /// A device with shortened timers (the hidden test option) expires its keypairs by
    /// them, not by the protocol's constants.
    func testKeypairLifetimeFollowsTheDeviceTimers() {
        var timers = TimerConfiguration.standard
        timers.rejectAfterTime = 10 * ProtocolConstants.nanosecondsPerSecond
        timers.rekeyAfterTime = 4 * ProtocolConstants.nanosecondsPerSecond
        let key = [UInt8](repeating: 7, count: 32)
        let k = Keypair(localIndex: 1, remoteIndex: 2, sendingKey: key, receivingKey: key, isInitiator: true,
                        createdAt: 0, timers: timers)
        XCTAssertFalse(k.needsRekey(now: 4 * ProtocolConstants.nanosecondsPerSecond - 1))
        XCTAssertTrue(k.needsRekey(now: 4 * ProtocolConstants.nanosecondsPerSecond))
        XCTAssertFalse(k.isExpired(now: 10 * ProtocolConstants.nanosecondsPerSecond - 1))
        XCTAssertTrue(k.isExpired(now: 10 * ProtocolConstants.nanosecondsPerSecond))
    }

    func testADeviceWithShortTimersExpiresItsSessionByThem() {
        var timers = TimerConfiguration.standard
        timers.rejectAfterTime = 30 * ProtocolConstants.nanosecondsPerSecond
        timers.rekeyAfterTime = 20 * ProtocolConstants.nanosecondsPerSecond
        let pair = DevicePair(timers: timers)
        pair.send(pair.a, DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: DevicePair.tunnelB, payload: [1]))
        pair.pump()
        let keypair = pair.peerOfA.current
        XCTAssertEqual(keypair?.isExpired(now: pair.now + 30 * ProtocolConstants.nanosecondsPerSecond), true)
        XCTAssertEqual(keypair?.isExpired(now: pair.now + 29 * ProtocolConstants.nanosecondsPerSecond), false)
    }
}
