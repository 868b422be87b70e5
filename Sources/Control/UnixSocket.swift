// Thin wrappers over the AF_UNIX stream calls the server and client share: building a
// sockaddr_un from a path (refusing paths that do not fit), creating, connecting and
// probing sockets. Errors come back as errno values for the callers to type.
#if canImport(Glibc)
import Glibc
#endif

enum UnixSocket {
    /// sun_path holds 108 bytes, the terminating NUL included.
    static let maxPathBytes = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    static func fits(_ path: String) -> Bool { path.utf8.count <= maxPathBytes && !path.utf8.contains(0) }

    /// Runs `body` with the address of `path` (which must fit).
    static func withAddress<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8.prefix(maxPathBytes))
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }

    /// A new stream socket, close-on-exec; -1 with errno set on failure.
    static func makeStream(nonBlocking: Bool) -> Int32 {
        var type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        if nonBlocking { type |= Int32(SOCK_NONBLOCK.rawValue) }
        return socket(AF_UNIX, type, 0)
    }

    /// 0, or the errno of the failed connect.
    static func connect(_ fd: Int32, to path: String) -> Int32 {
        let rc = withAddress(path) { Glibc.connect(fd, $0, $1) }
        return rc == 0 ? 0 : errno
    }

    enum Probe: Equatable {
        case live
        case stale        // a socket file nobody listens on
        case missing
        case failed(Int32)
    }

    /// Whether a process answers on `path`, without ever blocking: a full backlog
    /// (EAGAIN) still means someone listens.
    static func probe(_ path: String) -> Probe {
        let fd = makeStream(nonBlocking: true)
        guard fd >= 0 else { return .failed(errno) }
        defer { close(fd) }
        switch connect(fd, to: path) {
        case 0, EAGAIN, EINPROGRESS: return .live
        case ECONNREFUSED: return .stale
        case ENOENT: return .missing
        case let e: return .failed(e)
        }
    }

    /// Device and inode of the file at `path`, to tell our socket file from a replacement.
    static func identity(of path: String) -> (dev: UInt64, ino: UInt64)? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return (UInt64(st.st_dev), UInt64(st.st_ino))
    }

    static func isSocket(_ path: String) -> Bool? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return (st.st_mode & S_IFMT) == S_IFSOCK
    }

    static func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }
}
