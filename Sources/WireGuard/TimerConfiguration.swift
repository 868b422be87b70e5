// TimerConfiguration: the protocol's timing constants (ProtocolConstants) as a struct,
// so tests and a test-only option can shorten them. All durations are nanoseconds of a monotonic clock.

/// The timing values one peer's timers use; `.standard` is the protocol's.
public struct TimerConfiguration: Sendable, Equatable {
    public var rekeyAfterTime: UInt64
    public var rejectAfterTime: UInt64
    public var rekeyAttemptTime: UInt64
    public var rekeyTimeout: UInt64
    public var rekeyTimeoutJitterMax: UInt64
    public var keepaliveTimeout: UInt64
    public var rekeyAfterMessages: UInt64

    public static let standard = TimerConfiguration()

    public init(rekeyAfterTime: UInt64 = ProtocolConstants.rekeyAfterTime,
                rejectAfterTime: UInt64 = ProtocolConstants.rejectAfterTime,
                rekeyAttemptTime: UInt64 = ProtocolConstants.rekeyAttemptTime,
                rekeyTimeout: UInt64 = ProtocolConstants.rekeyTimeout,
                rekeyTimeoutJitterMax: UInt64 = ProtocolConstants.rekeyTimeoutJitterMax,
                keepaliveTimeout: UInt64 = ProtocolConstants.keepaliveTimeout,
                rekeyAfterMessages: UInt64 = ProtocolConstants.rekeyAfterMessages) {
        self.rekeyAfterTime = rekeyAfterTime
        self.rejectAfterTime = rejectAfterTime
        self.rekeyAttemptTime = rekeyAttemptTime
        self.rekeyTimeout = rekeyTimeout
        self.rekeyTimeoutJitterMax = rekeyTimeoutJitterMax
        self.keepaliveTimeout = keepaliveTimeout
        self.rekeyAfterMessages = rekeyAfterMessages
    }

    /// MAX_TIMER_HANDSHAKES: REKEY_ATTEMPT_TIME / REKEY_TIMEOUT (18 by default).
    public var maxTimerHandshakes: Int {
        rekeyTimeout == 0 ? 0 : Int(rekeyAttemptTime / rekeyTimeout)
    }

    /// Keys left over from the last session are wiped after 3 × REJECT_AFTER_TIME.
    public var zeroKeyMaterialAfter: UInt64 { rejectAfterTime * 3 }

    /// Sent data with no reply for this long (plus jitter) means the session is dead.
    public var newHandshakeAfter: UInt64 { keepaliveTimeout + rekeyTimeout }

    /// The receive side's last-minute rekey age: late enough that the sender's own
    /// rule would have fired, early enough to finish before REJECT_AFTER_TIME.
    public var rekeyAfterReceivingTime: UInt64 {
        rejectAfterTime > keepaliveTimeout + rekeyTimeout ? rejectAfterTime - keepaliveTimeout - rekeyTimeout : 0
    }

    // MARK: keypair age rules (pure)

    /// Whether sending under a session should trigger a new handshake: the initiator's
    /// session is REKEY_AFTER_TIME old, or either side passed REKEY_AFTER_MESSAGES.
    public func needsRekeyForSending(sessionCreated: UInt64, now: UInt64, isInitiator: Bool,
                                     sendCounter: UInt64) -> Bool {
        if sendCounter > rekeyAfterMessages { return true }
        return isInitiator && TimerConfiguration.elapsed(since: sessionCreated, now: now, atLeast: rekeyAfterTime)
    }

    /// Whether receiving under a session should trigger a new handshake: the initiator's
    /// session is REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT - REKEY_TIMEOUT old (165 s), so a
    /// peer that only receives still rekeys before the keypair dies.
    public func needsRekeyAfterReceiving(sessionCreated: UInt64, now: UInt64, isInitiator: Bool) -> Bool {
        isInitiator && TimerConfiguration.elapsed(since: sessionCreated, now: now, atLeast: rekeyAfterReceivingTime)
    }

    /// Whether a keypair is too old to send or accept anything (REJECT_AFTER_TIME).
    public func isKeypairExpired(sessionCreated: UInt64, now: UInt64) -> Bool {
        TimerConfiguration.elapsed(since: sessionCreated, now: now, atLeast: rejectAfterTime)
    }

    /// `now - start >= interval` without wrapping when the clock reads earlier than `start`.
    static func elapsed(since start: UInt64, now: UInt64, atLeast interval: UInt64) -> Bool {
        now >= start && now - start >= interval
    }
}
