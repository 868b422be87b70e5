// TAI64N timestamps (12 bytes, big-endian seconds then nanoseconds) as carried in
// handshake initiations. The responder accepts an initiation only if its timestamp is
// newer than the last one it accepted from that peer, which defeats replay.
public struct TAI64N: Comparable, Sendable, CustomStringConvertible {
    public static let byteCount = 12
    /// TAI64 label for the Unix epoch, 2^62, plus the 10 s TAI-UTC offset WireGuard uses.
    public static let epochOffset: UInt64 = (1 << 62) + 10
    /// Initiations round nanoseconds down to 2^24 ns (about 16.7 ms, below the 20 ms flood
    /// limit), as the kernel and wireguard-go do, so a timestamp leaks little about the clock.
    public static let whiteningGranularity: UInt32 = 1 << 24

    public let seconds: UInt64
    public let nanoseconds: UInt32

    /// The zero timestamp: older than any real one.
    public static let zero = TAI64N(seconds: 0, nanoseconds: 0)

    public init(seconds: UInt64, nanoseconds: UInt32) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// From wall-clock time since the Unix epoch (the caller reads the clock).
    public init(unixSeconds: UInt64, nanoseconds: UInt32) {
        self.init(seconds: unixSeconds &+ TAI64N.epochOffset, nanoseconds: nanoseconds)
    }

    public init?(bytes: [UInt8]) {
        guard bytes.count == TAI64N.byteCount else { return nil }
        let s = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let n = bytes[8..<12].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        self.init(seconds: s, nanoseconds: n)
    }

    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: seconds >> (56 - 8 * $0)) }
            + (0..<4).map { UInt8(truncatingIfNeeded: nanoseconds >> (24 - 8 * $0)) }
    }

    public func whitened() -> TAI64N {
        TAI64N(seconds: seconds, nanoseconds: nanoseconds - nanoseconds % TAI64N.whiteningGranularity)
    }

    public func isNewer(than other: TAI64N) -> Bool { self > other }

    /// Same order as comparing the 12 big-endian bytes.
    public static func < (lhs: TAI64N, rhs: TAI64N) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }

    public var description: String { "TAI64N(\(seconds).\(nanoseconds))" }
}
