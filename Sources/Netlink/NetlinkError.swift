// Netlink module: configures links, addresses, routes and policy rules through
// rtnetlink (libnl core), looks up routes, and reads/writes /proc/sys. It never
// starts a process.
import CNetlink
#if canImport(Glibc)
import Glibc
#endif

/// A netlink request that failed: what was being done, libnl's text for the
/// failure and, when the kernel refused the request, the kernel's errno.
public struct NetlinkError: Error, CustomStringConvertible, Sendable {
    /// What was being done, e.g. "add route 192.0.2.0/24 table 100".
    public let operation: String
    /// libnl's error code (a positive NLE_* value).
    public let code: Int32
    /// libnl's message for `code` (nl_geterror).
    public let message: String
    /// The errno the kernel answered with, when the kernel refused the request.
    public let errno: Int32?

    public init(operation: String, code: Int32, errno: Int32? = nil) {
        self.operation = operation
        self.code = abs(code)
        self.message = String(cString: nl_geterror(self.code))
        self.errno = errno
    }

    /// True when the kernel said the object does not exist (no such link, route, rule or address).
    public var isNotFound: Bool {
        guard let errno else { return code == NLE_OBJ_NOTFOUND || code == NLE_NODEV }
        return errno == ENOENT || errno == ENODEV || errno == ESRCH || errno == EADDRNOTAVAIL
    }

    /// True when the kernel said the object already exists.
    public var isAlreadyExists: Bool { errno == EEXIST || code == NLE_EXIST }

    public var description: String {
        var text = "netlink: \(operation) failed: \(message)"
        if let errno {
            text += " (errno \(errno): \(String(cString: strerror(errno))))"
        }
        return text
    }
}
