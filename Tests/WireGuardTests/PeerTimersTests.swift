// PeerTimers with a fake clock: one test per WireGuard timer rule.
import XCTest
@testable import WireGuard

private let second = ProtocolConstants.nanosecondsPerSecond
private let millisecond = ProtocolConstants.nanosecondsPerMillisecond

/// Drives PeerTimers the way an I/O layer would: sleep until `nextDeadline`, poll,
/// and (optionally) react like a peer that gets no handshake response.
private struct FakeClock {
    var timers: PeerTimers
    var now: UInt64 = 0
    var fired: [(time: UInt64, actions: TimerActions)] = []
    /// Resend the initiation when asked, as a peer does.
    var answerRetransmits = true

    mutating func run(until end: UInt64) {
        while let deadline = timers.nextDeadline, deadline <= end {
            now = max(now, deadline)
            let actions = timers.poll(now: now)
            if !actions.isEmpty { fired.append((now, actions)) }
            if answerRetransmits && actions.contains(.retransmitHandshake) {
                timers.handshakeInitiated(now: now)
            }
        }
        now = end
    }

    func times(of action: TimerActions) -> [UInt64] {
        fired.filter { $0.actions.contains(action) }.map(\.time)
    }
}

final class PeerTimersTests: XCTestCase {
    private func timers(jitter: UInt64 = 0, _ configuration: TimerConfiguration = .standard) -> PeerTimers {
        PeerTimers(configuration: configuration, jitter: { _ in jitter })
    }

    // MARK: constants

    func testConstantsMatchTheProtocol() {
        XCTAssertEqual(ProtocolConstants.rekeyAfterTime, 120 * second)
        XCTAssertEqual(ProtocolConstants.rejectAfterTime, 180 * second)
        XCTAssertEqual(ProtocolConstants.rekeyAttemptTime, 90 * second)
        XCTAssertEqual(ProtocolConstants.rekeyTimeout, 5 * second)
        XCTAssertEqual(ProtocolConstants.rekeyTimeoutJitterMax, 333 * millisecond)
        XCTAssertEqual(ProtocolConstants.keepaliveTimeout, 10 * second)
        XCTAssertEqual(ProtocolConstants.maxTimerHandshakes, 18)
        XCTAssertEqual(TimerConfiguration.standard.maxTimerHandshakes, 18)
        XCTAssertEqual(ProtocolConstants.rekeyAfterMessages, 1 << 60)
    }

    // MARK: rekey rules

    func testInitiatorRekeysOnSendAfter120Seconds() {
        let c = TimerConfiguration.standard
        XCTAssertFalse(c.needsRekeyForSending(sessionCreated: 0, now: 120 * second - 1, isInitiator: true, sendCounter: 5))
        XCTAssertTrue(c.needsRekeyForSending(sessionCreated: 0, now: 120 * second, isInitiator: true, sendCounter: 5))
        XCTAssertFalse(c.needsRekeyForSending(sessionCreated: 0, now: 170 * second, isInitiator: false, sendCounter: 5),
                       "the responder leaves time-based rekeying to the initiator")
        XCTAssertFalse(c.needsRekeyForSending(sessionCreated: 10 * second, now: 5 * second, isInitiator: true, sendCounter: 0),
                       "a clock reading before the session is not an old session")
    }

    func testEitherSideRekeysPastRekeyAfterMessages() {
        let c = TimerConfiguration.standard
        XCTAssertFalse(c.needsRekeyForSending(sessionCreated: 0, now: 1, isInitiator: false, sendCounter: 1 << 60))
        XCTAssertTrue(c.needsRekeyForSending(sessionCreated: 0, now: 1, isInitiator: false, sendCounter: (1 << 60) + 1))
    }

    func testShortenedRekeyTimeIsHonoured() {
        let c = TimerConfiguration(rekeyAfterTime: 10 * second)
        XCTAssertTrue(c.needsRekeyForSending(sessionCreated: 0, now: 10 * second, isInitiator: true, sendCounter: 0))
        XCTAssertEqual(c.rejectAfterTime, ProtocolConstants.rejectAfterTime, "other values keep their defaults")
    }

    func testInitiatorRekeysOnReceiveAt165SecondsOncePerSession() {
        var t = timers()
        XCTAssertFalse(t.shouldRekeyAfterReceiving(sessionCreated: 0, now: 165 * second - 1, isInitiator: true))
        XCTAssertFalse(t.shouldRekeyAfterReceiving(sessionCreated: 0, now: 170 * second, isInitiator: false))
        XCTAssertTrue(t.shouldRekeyAfterReceiving(sessionCreated: 0, now: 165 * second, isInitiator: true))
        XCTAssertFalse(t.shouldRekeyAfterReceiving(sessionCreated: 0, now: 166 * second, isInitiator: true),
                       "only one last-minute handshake per session")
        t.handshakeComplete(now: 167 * second)
        XCTAssertTrue(t.shouldRekeyAfterReceiving(sessionCreated: 0, now: 168 * second, isInitiator: true))
    }

    func testKeypairUnusableAfterRejectAfterTime() {
        let c = TimerConfiguration.standard
        XCTAssertFalse(c.isKeypairExpired(sessionCreated: 7, now: 7 + 180 * second - 1))
        XCTAssertTrue(c.isKeypairExpired(sessionCreated: 7, now: 7 + 180 * second))
    }

    // MARK: handshake retransmission

    func testRetransmitsEveryRekeyTimeoutThenGivesUp() {
        var clock = FakeClock(timers: timers())
        XCTAssertTrue(clock.timers.requestHandshake(now: 0))
        clock.timers.handshakeInitiated(now: 0)
        clock.run(until: 200 * second)

        // Kernel and wireguard-go: retry while attempts <= MAX_TIMER_HANDSHAKES, so 19
        // retransmits follow the first initiation (20 in all) before giving up.
        let retransmits = clock.times(of: .retransmitHandshake)
        XCTAssertEqual(retransmits, (1...19).map { UInt64($0) * 5 * second })
        XCTAssertEqual(clock.times(of: .giveUpHandshake), [100 * second])
        XCTAssertNil(clock.timers.retransmitHandshakeDeadline, "no more retries after giving up")
        XCTAssertEqual(clock.times(of: .zeroKeyMaterial), [], "the wipe is scheduled 540 s after giving up")
        XCTAssertEqual(clock.timers.zeroKeyMaterialDeadline, 640 * second)
    }

    func testRetransmitAddsJitter() {
        var clock = FakeClock(timers: timers(jitter: 100 * millisecond))
        clock.timers.handshakeInitiated(now: 0)
        clock.run(until: 11 * second)
        XCTAssertEqual(clock.times(of: .retransmitHandshake), [5100 * millisecond, 10200 * millisecond])
    }

    func testJitterIsKeptBelowItsMaximum() {
        var t = PeerTimers(jitter: { _ in .max })
        t.handshakeInitiated(now: 0)
        let deadline = t.retransmitHandshakeDeadline ?? 0
        XCTAssertGreaterThanOrEqual(deadline, 5 * second)
        XCTAssertLessThan(deadline, 5 * second + 333 * millisecond)

        for _ in 0..<200 {
            var real = PeerTimers()
            real.handshakeInitiated(now: 0)
            XCTAssertLessThan(real.retransmitHandshakeDeadline ?? .max, 5 * second + 333 * millisecond)
        }
    }

    func testCompletedHandshakeStopsRetransmits() {
        var clock = FakeClock(timers: timers())
        clock.timers.handshakeInitiated(now: 0)
        clock.run(until: 12 * second)
        XCTAssertEqual(clock.timers.handshakeAttempts, 2)
        clock.timers.handshakeComplete(now: 12 * second)
        clock.run(until: 200 * second)
        XCTAssertEqual(clock.times(of: .retransmitHandshake).count, 2)
        XCTAssertEqual(clock.times(of: .giveUpHandshake), [])
        XCTAssertEqual(clock.timers.handshakeAttempts, 0)
        XCTAssertEqual(clock.timers.lastHandshakeCompleted, 12 * second)
    }

    func testFreshRequestsRestartTheRetryCountAndAreRateLimited() {
        var clock = FakeClock(timers: timers())
        clock.timers.handshakeInitiated(now: 0)
        clock.run(until: 50 * second)
        XCTAssertEqual(clock.timers.handshakeAttempts, 10)
        // New outbound data while still without a session asks again: the count restarts.
        XCTAssertFalse(clock.timers.requestHandshake(now: 50 * second + 1), "the retry at 50 s was just sent")
        XCTAssertEqual(clock.timers.handshakeAttempts, 0)
        XCTAssertTrue(clock.timers.requestHandshake(now: 55 * second))
        clock.run(until: 145 * second)
        XCTAssertEqual(clock.times(of: .giveUpHandshake), [], "still trying 95 s after the first initiation")
        clock.run(until: 200 * second)
        XCTAssertEqual(clock.times(of: .giveUpHandshake), [150 * second])
    }

    func testASentResponseRateLimitsOurOwnInitiation() {
        var t = timers()
        t.handshakeResponseSent(now: 10 * second)
        XCTAssertFalse(t.requestHandshake(now: 10 * second + 1), "the session we answered is about to be confirmed")
        XCTAssertFalse(t.requestHandshake(now: 15 * second - 1))
        XCTAssertTrue(t.requestHandshake(now: 15 * second))
        XCTAssertNil(t.retransmitHandshakeDeadline, "a response is not retransmitted")
    }

    func testGivingUpCancelsAPendingKeepaliveAndKeepsAnEarlierWipe() {
        var t = timers(TimerConfiguration(rekeyAttemptTime: 0))
        t.sessionDerived(now: 0)
        t.handshakeInitiated(now: 1 * second)
        XCTAssertEqual(t.poll(now: 6 * second), [.retransmitHandshake], "one retry even when 0 are allowed")
        t.handshakeInitiated(now: 6 * second)
        t.dataReceived(now: 10 * second)
        XCTAssertEqual(t.sendKeepaliveDeadline, 20 * second)
        XCTAssertEqual(t.poll(now: 11 * second), [.giveUpHandshake])
        XCTAssertNil(t.sendKeepaliveDeadline)
        XCTAssertEqual(t.zeroKeyMaterialDeadline, 540 * second, "the pending wipe is not pushed back")
    }

    // MARK: keepalive

    func testKeepaliveAfterTenSecondsOfOneWayTraffic() {
        var clock = FakeClock(timers: timers())
        clock.timers.dataReceived(now: 0)
        clock.run(until: 30 * second)
        XCTAssertEqual(clock.times(of: .sendKeepalive), [10 * second])
    }

    func testNoKeepaliveWhenWeSentSomething() {
        var clock = FakeClock(timers: timers())
        clock.timers.dataReceived(now: 0)
        clock.timers.dataSent(now: 3 * second)
        clock.timers.anyAuthenticatedPacketSent(now: 3 * second)
        clock.run(until: 12 * second)
        XCTAssertEqual(clock.times(of: .sendKeepalive), [])
    }

    func testDataDuringAPendingKeepaliveAsksForAnother() {
        var t = timers()
        t.dataReceived(now: 0)
        t.dataReceived(now: 4 * second)
        XCTAssertEqual(t.sendKeepaliveDeadline, 10 * second, "a pending keepalive is not pushed back")
        XCTAssertEqual(t.poll(now: 10 * second), [.sendKeepalive])
        XCTAssertEqual(t.sendKeepaliveDeadline, 20 * second, "re-armed for the data that came meanwhile")
        XCTAssertEqual(t.poll(now: 20 * second), [.sendKeepalive])
        XCTAssertNil(t.sendKeepaliveDeadline)
    }

    // MARK: new handshake when the other side goes quiet

    func testNewHandshakeAfterFifteenSecondsWithoutReply() {
        var clock = FakeClock(timers: timers())
        clock.timers.dataSent(now: 0)
        clock.timers.dataSent(now: 8 * second)
        XCTAssertEqual(clock.timers.newHandshakeDeadline, 15 * second, "later sends do not push it back")
        clock.run(until: 60 * second)
        XCTAssertEqual(clock.times(of: .newHandshake), [15 * second])
    }

    func testAnyReplyCancelsTheNewHandshake() {
        var clock = FakeClock(timers: timers(jitter: 200 * millisecond))
        clock.timers.dataSent(now: 0)
        XCTAssertEqual(clock.timers.newHandshakeDeadline, 15200 * millisecond, "jittered like the kernel")
        clock.timers.anyAuthenticatedPacketReceived(now: 14 * second)
        clock.run(until: 60 * second)
        XCTAssertEqual(clock.times(of: .newHandshake), [])
    }

    // MARK: key wipe

    func testKeyMaterialWipedAfter540Seconds() {
        var clock = FakeClock(timers: timers())
        clock.timers.sessionDerived(now: 0)
        clock.run(until: 539 * second)
        XCTAssertEqual(clock.times(of: .zeroKeyMaterial), [])
        clock.timers.sessionDerived(now: 100 * second)
        clock.run(until: 1000 * second)
        XCTAssertEqual(clock.times(of: .zeroKeyMaterial), [640 * second], "a new session pushes the wipe back")
    }

    // MARK: persistent keepalive

    func testPersistentKeepaliveFollowsTraversal() {
        var clock = FakeClock(timers: timers())
        clock.timers.setPersistentKeepaliveInterval(25, now: 0)
        XCTAssertEqual(clock.timers.poll(now: 0), [.sendPersistentKeepalive], "turning it on sends one at once")
        clock.timers.anyAuthenticatedPacketTraversal(now: 0)
        clock.timers.anyAuthenticatedPacketTraversal(now: 10 * second)
        clock.run(until: 36 * second)
        XCTAssertEqual(clock.times(of: .sendPersistentKeepalive), [35 * second])
        clock.timers.anyAuthenticatedPacketTraversal(now: 36 * second)
        clock.run(until: 62 * second)
        XCTAssertEqual(clock.times(of: .sendPersistentKeepalive), [35 * second, 61 * second])
    }

    func testPersistentKeepaliveOffOrChanged() {
        var t = timers()
        t.anyAuthenticatedPacketTraversal(now: 0)
        XCTAssertNil(t.nextDeadline, "off by default")
        t.setPersistentKeepaliveInterval(25, now: 0)
        t.anyAuthenticatedPacketTraversal(now: 1 * second)
        t.setPersistentKeepaliveInterval(30, now: 2 * second)
        XCTAssertEqual(t.persistentKeepaliveDeadline, 26 * second, "a change (not a switch-on) sends nothing early")
        t.setPersistentKeepaliveInterval(0, now: 3 * second)
        XCTAssertNil(t.persistentKeepaliveDeadline)
        XCTAssertEqual(t.poll(now: 100 * second), [])
    }

    // MARK: scheduling

    func testNextDeadlineIsTheEarliestArmedTimer() {
        var t = timers()
        XCTAssertNil(t.nextDeadline)
        t.sessionDerived(now: 0)                   // 540 s
        XCTAssertEqual(t.nextDeadline, 540 * second)
        t.dataSent(now: 1 * second)                // 16 s
        XCTAssertEqual(t.nextDeadline, 16 * second)
        t.dataReceived(now: 2 * second)            // 12 s
        XCTAssertEqual(t.nextDeadline, 12 * second)
        t.handshakeInitiated(now: 3 * second)      // 8 s
        XCTAssertEqual(t.nextDeadline, 8 * second)
        XCTAssertEqual(t.poll(now: 8 * second - 1), [], "nothing fires before its deadline")
        XCTAssertEqual(t.poll(now: 8 * second), [.retransmitHandshake])
        XCTAssertEqual(t.nextDeadline, 12 * second)
        XCTAssertEqual(t.poll(now: 20 * second), [.sendKeepalive, .newHandshake], "late polls fire all that is due")
        XCTAssertEqual(t.nextDeadline, 540 * second)
        t.stop()
        XCTAssertNil(t.nextDeadline)
    }

    func testDeadlinesSaturateInsteadOfWrapping() {
        var t = timers()
        t.sessionDerived(now: .max - 1)
        XCTAssertEqual(t.zeroKeyMaterialDeadline, .max)
    }

    func testActionsDescribeThemselves() {
        XCTAssertEqual(TimerActions([.sendKeepalive, .newHandshake]).description, "[sendKeepalive, newHandshake]")
    }
}
