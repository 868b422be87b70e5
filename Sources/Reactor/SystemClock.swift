// The two clocks the edges read and pass inward: monotonic time for every protocol
// timer, and the wall clock (only for handshake timestamps and "last handshake" times).
#if canImport(Glibc)
import Glibc
#endif

public enum SystemClock {
    /// Nanoseconds of CLOCK_MONOTONIC: never jumps, never goes back.
    @inline(__always)
    public static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Seconds and nanoseconds since the Unix epoch.
    public static func wallClock() -> (seconds: UInt64, nanoseconds: UInt32) {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return (UInt64(ts.tv_sec), UInt32(ts.tv_nsec))
    }
}
