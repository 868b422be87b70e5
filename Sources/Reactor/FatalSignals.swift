// Fatal signals: the ones whose default action ends the process (most with a core dump)
// and that a handler can catch. One someone sends (kill -ABRT, systemd's watchdog, kill
// -SEGV) ends the process the way SIGTERM does, cleanup included, and then by the same
// signal, so a shell or systemd sees the real cause. A real fault, or the process's own
// abort(), gets the default action at once: whatever state the crash left is not to be
// trusted, and the next start's leftover cleanup puts the host back. The handler itself is
// C (CShims' FatalSignals.c), since Swift code is not async-signal-safe.
import CShims
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

public enum FatalSignals {
    /// Every catchable signal whose default action is a core dump. (SIGKILL and SIGSTOP
    /// cannot be caught; SIGINT, SIGTERM and SIGHUP are the reactor's plain stops.)
    public static let caught: [Int32] = [SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGQUIT, SIGTRAP, SIGSYS,
                                         SIGXCPU, SIGXFSZ]

    /// How long the orderly stop may take before the signal ends the process anyway: a
    /// watchdog's SIGABRT may come because the reactor's queue is stuck, and a stop that
    /// runs on that queue would then never come.
    public static let stopGrace: DispatchTimeInterval = .seconds(5)

    /// Installs the handler; a signal someone sent arrives as one byte on `notifyFD` (-1:
    /// none, every fatal signal then gets its default action at once).
    static func install(notifyFD: Int32) {
        // Only fails for a signal number the kernel does not know; these all exist.
        _ = caught.withUnsafeBufferPointer { tunnel_fatal_signals_install(notifyFD, $0.baseAddress, UInt32($0.count)) }
    }

    /// Until a reactor runs: every fatal signal gets its default action at once. (Left to
    /// the Swift runtime, a sent SIGABRT or SIGSEGV prints a backtrace and then never ends
    /// the process.)
    public static func endAtOnce() {
        install(notifyFD: -1)
    }

    /// Ends the process with `signal`'s default action.
    public static func raiseDefault(_ signal: Int32) -> Never {
        tunnel_fatal_signal_raise_default(signal)
        // Unreachable for the signals above (none is ignored by default); never run on.
        _exit(128 + signal)
    }
}
