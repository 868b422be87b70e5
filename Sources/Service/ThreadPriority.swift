// Lowers the calling thread's scheduling priority. On Linux the nice value belongs to a
// thread, and setpriority(PRIO_PROCESS, 0, …) applies to the caller alone, so the
// metrics threads yield to the data path without touching the rest of the process.
// Lowering needs no privilege (raising it back would need CAP_SYS_NICE, which the units
// drop), so it is only ever done on threads of our own.
#if canImport(Glibc)
import Glibc
#endif

enum ThreadPriority {
    /// The weakest nice value: about 1.5% of a core against a thread at nice 0.
    static let background: Int32 = 19

    /// Sets the calling thread's nice value; true on success.
    @discardableResult
    static func lowerCurrentThread(to nice: Int32 = background) -> Bool {
        setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice) == 0
    }

    /// The calling thread's nice value.
    static func currentThreadNice() -> Int32 {
        errno = 0
        return getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
    }
}
