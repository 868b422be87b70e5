// Every WireGuard protocol constant, named once (whitepaper section 6.1 and the kernel's
// messages.h). Times are monotonic nanoseconds, the unit all time parameters use here.
public enum ProtocolConstants {
    public static let nanosecondsPerSecond: UInt64 = 1_000_000_000
    public static let nanosecondsPerMillisecond: UInt64 = 1_000_000

    // Noise names and labels (whitepaper 5.4).
    public static let construction = Array("Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s".utf8)
    public static let identifier = Array("WireGuard v1 zx2c4 Jason@zx2c4.com".utf8)
    public static let labelMAC1 = Array("mac1----".utf8)
    public static let labelCookie = Array("cookie--".utf8)

    // Message counters.
    public static let rekeyAfterMessages: UInt64 = 1 << 60
    /// 2^64 - 2^13 - 1: leaves room for the replay window so a counter never wraps.
    public static let rejectAfterMessages: UInt64 = UInt64.max - (1 << 13)

    // Timers.
    public static let rekeyAfterTime: UInt64 = 120 * nanosecondsPerSecond
    public static let rejectAfterTime: UInt64 = 180 * nanosecondsPerSecond
    public static let rekeyAttemptTime: UInt64 = 90 * nanosecondsPerSecond
    public static let rekeyTimeout: UInt64 = 5 * nanosecondsPerSecond
    public static let keepaliveTimeout: UInt64 = 10 * nanosecondsPerSecond
    /// Random extra delay on retransmits so peers behind one NAT do not stay in step.
    public static let rekeyTimeoutJitterMax: UInt64 = 333 * nanosecondsPerMillisecond
    /// Retransmits allowed after the first initiation before giving up.
    public static let maxTimerHandshakes: Int = Int(rekeyAttemptTime / rekeyTimeout)

    // Cookies.
    public static let cookieSecretMaxAge: UInt64 = 120 * nanosecondsPerSecond
    /// A cookie is used for mac2 only while it is this much younger than the responder's
    /// secret lifetime, so it is not sent just as the responder rotates its secret.
    public static let cookieSecretLatency: UInt64 = 5 * nanosecondsPerSecond

    /// INITIATIONS_PER_SECOND = 50: one initiation per peer per 20 ms is accepted.
    public static let handshakeInitiationRate: UInt64 = nanosecondsPerSecond / 50
}
