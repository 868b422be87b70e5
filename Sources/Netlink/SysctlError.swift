#if canImport(Glibc)
import Glibc
#endif

/// A /proc/sys read or write that failed.
public struct SysctlError: Error, CustomStringConvertible, Sendable {
    /// "read" or "write 1 to".
    public let operation: String
    public let path: String
    /// errno of the failing call, nil for a bad name.
    public let errno: Int32?

    public var description: String {
        let reason = errno.map { String(cString: strerror($0)) } ?? "not a valid sysctl name"
        return "sysctl: \(operation) \(path) failed: \(reason)"
    }
}
