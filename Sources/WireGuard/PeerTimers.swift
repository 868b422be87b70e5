// One peer's WireGuard timers (whitepaper §6, kernel timers.c) as a pure state machine.
// The peer layer reports events with the current monotonic time; `poll(now:)` says what
// has fallen due, and `nextDeadline` tells the I/O layer when to poll next, so one timer
// source per peer (or per device) drives everything. Nothing here reads a clock.

/// What a peer must do now; several may be due at once.
public struct TimerActions: OptionSet, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// No response to our initiation: clear the cached source address of the endpoint
    /// and send a new initiation (already counted as a retry: do not call
    /// `requestHandshake`), then report `handshakeInitiated`.
    public static let retransmitHandshake = TimerActions(rawValue: 1 << 0)
    /// Retried for REKEY_ATTEMPT_TIME without success: stop, and drop packets queued
    /// while waiting for a session.
    public static let giveUpHandshake = TimerActions(rawValue: 1 << 1)
    /// We received data and sent nothing back for KEEPALIVE_TIMEOUT: send a keepalive.
    public static let sendKeepalive = TimerActions(rawValue: 1 << 2)
    /// We sent data and heard nothing for KEEPALIVE_TIMEOUT + REKEY_TIMEOUT: clear the
    /// endpoint's cached source address and start a fresh handshake via `requestHandshake`.
    public static let newHandshake = TimerActions(rawValue: 1 << 3)
    /// No new session for 3 × REJECT_AFTER_TIME: wipe every keypair and handshake secret.
    public static let zeroKeyMaterial = TimerActions(rawValue: 1 << 4)
    /// The persistent-keepalive interval passed with no authenticated traffic: send a
    /// keepalive (one keepalive satisfies this and `sendKeepalive` together).
    public static let sendPersistentKeepalive = TimerActions(rawValue: 1 << 5)

    public var description: String {
        let names: [(TimerActions, String)] = [
            (.retransmitHandshake, "retransmitHandshake"), (.giveUpHandshake, "giveUpHandshake"),
            (.sendKeepalive, "sendKeepalive"), (.newHandshake, "newHandshake"),
            (.zeroKeyMaterial, "zeroKeyMaterial"), (.sendPersistentKeepalive, "sendPersistentKeepalive"),
        ]
        return "[" + names.filter { contains($0.0) }.map(\.1).joined(separator: ", ") + "]"
    }
}

/// The five timers of one peer, their handshake retry count and keepalive flags.
public struct PeerTimers {
    /// Returns a uniformly random value in `0..<upperBound` (upperBound > 0).
    public typealias JitterSource = (_ upperBound: UInt64) -> UInt64

    public static let systemJitter: JitterSource = { UInt64.random(in: 0..<$0) }

    public let configuration: TimerConfiguration
    private let jitter: JitterSource

    /// Armed deadlines (monotonic nanoseconds); nil when a timer is not pending.
    public private(set) var retransmitHandshakeDeadline: UInt64?
    public private(set) var sendKeepaliveDeadline: UInt64?
    public private(set) var newHandshakeDeadline: UInt64?
    public private(set) var zeroKeyMaterialDeadline: UInt64?
    public private(set) var persistentKeepaliveDeadline: UInt64?

    /// Retransmits since the last non-retry initiation.
    public private(set) var handshakeAttempts = 0
    /// Seconds; 0 means off.
    public private(set) var persistentKeepaliveInterval: UInt16 = 0
    /// Our latest initiation or response: either starts REKEY_TIMEOUT before we may
    /// initiate again (a response means a session is about to be confirmed).
    public private(set) var lastHandshakeSent: UInt64?
    public private(set) var lastHandshakeCompleted: UInt64?
    /// More data arrived while a keepalive was already pending.
    private var needAnotherKeepalive = false
    /// The receive-side rekey fires once per session.
    private var sentLastMinuteHandshake = false

    public init(configuration: TimerConfiguration = .standard, jitter: @escaping JitterSource = PeerTimers.systemJitter) {
        self.configuration = configuration
        self.jitter = jitter
    }

    // MARK: events from the peer layer

    /// An authenticated data packet (not a keepalive) was sent.
    public mutating func dataSent(now: UInt64) {
        guard newHandshakeDeadline == nil else { return }
        newHandshakeDeadline = PeerTimers.add(now, configuration.newHandshakeAfter + randomJitter())
    }

    /// An authenticated data packet (not a keepalive) was received.
    public mutating func dataReceived(now: UInt64) {
        if sendKeepaliveDeadline == nil {
            sendKeepaliveDeadline = PeerTimers.add(now, configuration.keepaliveTimeout)
        } else {
            needAnotherKeepalive = true
        }
    }

    /// Any authenticated packet was sent: data, keepalive or handshake message.
    public mutating func anyAuthenticatedPacketSent(now: UInt64) {
        sendKeepaliveDeadline = nil
    }

    /// Any authenticated packet was received: data, keepalive or handshake message.
    public mutating func anyAuthenticatedPacketReceived(now: UInt64) {
        newHandshakeDeadline = nil
    }

    /// Any authenticated packet is about to be sent or was received (restarts the
    /// persistent-keepalive interval).
    public mutating func anyAuthenticatedPacketTraversal(now: UInt64) {
        guard persistentKeepaliveInterval > 0 else { return }
        persistentKeepaliveDeadline = PeerTimers.add(now, persistentKeepaliveNanoseconds)
    }

    /// A handshake initiation was sent (first try or retry).
    public mutating func handshakeInitiated(now: UInt64) {
        lastHandshakeSent = now
        retransmitHandshakeDeadline = PeerTimers.add(now, configuration.rekeyTimeout + randomJitter())
    }

    /// We answered the peer's initiation (no retransmit: the initiator retries).
    public mutating func handshakeResponseSent(now: UInt64) {
        lastHandshakeSent = now
    }

    /// A handshake completed: as initiator, a response was processed; as responder, the
    /// first data packet under the new keypair confirmed it.
    public mutating func handshakeComplete(now: UInt64) {
        retransmitHandshakeDeadline = nil
        handshakeAttempts = 0
        sentLastMinuteHandshake = false
        lastHandshakeCompleted = now
    }

    /// New session keys were derived (responder: before sending the response; initiator:
    /// on processing the response).
    public mutating func sessionDerived(now: UInt64) {
        zeroKeyMaterialDeadline = PeerTimers.add(now, configuration.zeroKeyMaterialAfter)
    }

    /// Sets the persistent-keepalive interval in seconds (0 turns it off). Turning it on
    /// makes a keepalive due at once, so a NAT mapping opens without waiting for traffic.
    public mutating func setPersistentKeepaliveInterval(_ seconds: UInt16, now: UInt64) {
        let wasOff = persistentKeepaliveInterval == 0
        persistentKeepaliveInterval = seconds
        if seconds == 0 {
            persistentKeepaliveDeadline = nil
        } else if wasOff {
            persistentKeepaliveDeadline = now
        }
    }

    /// The peer wants a fresh (non-retry) handshake: data waits without a session, a
    /// rekey rule fired, or `.newHandshake` came due. Restarts the retry count; returns
    /// whether an initiation may go out now (at most one per REKEY_TIMEOUT after our last
    /// initiation or response). If true,
    /// send it and report `handshakeInitiated`.
    public mutating func requestHandshake(now: UInt64) -> Bool {
        handshakeAttempts = 0
        guard let last = lastHandshakeSent else { return true }
        return TimerConfiguration.elapsed(since: last, now: now, atLeast: configuration.rekeyTimeout)
    }

    /// The receive-side rekey rule, at most once per session (until the next
    /// `handshakeComplete`). If true, call `requestHandshake`.
    public mutating func shouldRekeyAfterReceiving(sessionCreated: UInt64, now: UInt64, isInitiator: Bool) -> Bool {
        guard !sentLastMinuteHandshake,
              configuration.needsRekeyAfterReceiving(sessionCreated: sessionCreated, now: now, isInitiator: isInitiator)
        else { return false }
        sentLastMinuteHandshake = true
        return true
    }

    /// Disarms everything (peer removed, interface down).
    public mutating func stop() {
        retransmitHandshakeDeadline = nil
        sendKeepaliveDeadline = nil
        newHandshakeDeadline = nil
        zeroKeyMaterialDeadline = nil
        persistentKeepaliveDeadline = nil
        needAnotherKeepalive = false
    }

    // MARK: expiry

    /// The earliest armed deadline: when the I/O layer should call `poll` next.
    public var nextDeadline: UInt64? {
        var earliest = PeerTimers.earlier(retransmitHandshakeDeadline, sendKeepaliveDeadline)
        earliest = PeerTimers.earlier(earliest, newHandshakeDeadline)
        earliest = PeerTimers.earlier(earliest, zeroKeyMaterialDeadline)
        return PeerTimers.earlier(earliest, persistentKeepaliveDeadline)
    }

    /// Fires every timer whose deadline is at or before `now` and returns what to do.
    public mutating func poll(now: UInt64) -> TimerActions {
        var actions: TimerActions = []
        if PeerTimers.take(&retransmitHandshakeDeadline, now) { actions.formUnion(retransmitExpired(now: now)) }
        if PeerTimers.take(&sendKeepaliveDeadline, now) { actions.formUnion(keepaliveExpired(now: now)) }
        if PeerTimers.take(&newHandshakeDeadline, now) { actions.insert(.newHandshake) }
        if PeerTimers.take(&zeroKeyMaterialDeadline, now) { actions.insert(.zeroKeyMaterial) }
        if PeerTimers.take(&persistentKeepaliveDeadline, now), persistentKeepaliveInterval > 0 {
            actions.insert(.sendPersistentKeepalive)
        }
        return actions
    }

    /// Like the kernel, the first initiation is followed by up to
    /// MAX_TIMER_HANDSHAKES + 1 retransmits; the expiry after that gives up.
    private mutating func retransmitExpired(now: UInt64) -> TimerActions {
        guard handshakeAttempts > configuration.maxTimerHandshakes else {
            handshakeAttempts += 1
            return .retransmitHandshake
        }
        sendKeepaliveDeadline = nil
        // Wipe whatever a half-finished exchange left, unless a wipe is already coming.
        if zeroKeyMaterialDeadline == nil {
            zeroKeyMaterialDeadline = PeerTimers.add(now, configuration.zeroKeyMaterialAfter)
        }
        return .giveUpHandshake
    }

    private mutating func keepaliveExpired(now: UInt64) -> TimerActions {
        if needAnotherKeepalive {
            needAnotherKeepalive = false
            sendKeepaliveDeadline = PeerTimers.add(now, configuration.keepaliveTimeout)
        }
        return .sendKeepalive
    }

    // MARK: helpers

    private var persistentKeepaliveNanoseconds: UInt64 {
        UInt64(persistentKeepaliveInterval) * ProtocolConstants.nanosecondsPerSecond
    }

    private func randomJitter() -> UInt64 {
        let bound = configuration.rekeyTimeoutJitterMax
        guard bound > 0 else { return 0 }
        return jitter(bound) % bound
    }

    private static func earlier(_ a: UInt64?, _ b: UInt64?) -> UInt64? {
        guard let a = a else { return b }
        guard let b = b else { return a }
        return min(a, b)
    }

    /// Clears and reports a deadline that has passed.
    private static func take(_ deadline: inout UInt64?, _ now: UInt64) -> Bool {
        guard let d = deadline, d <= now else { return false }
        deadline = nil
        return true
    }

    private static func add(_ time: UInt64, _ interval: UInt64) -> UInt64 {
        let (sum, overflow) = time.addingReportingOverflow(interval)
        return overflow ? .max : sum
    }
}
