// The directory of control sockets (/var/run/wireguard) is shared with wg(8) and
// wireguard-go, and root creates and removes files in it: it must be root's own (the
// running user's) and writable by no one else, or another user could swap a socket for a
// link and have root remove or replace a file elsewhere. Checked on the open descriptor.
#if canImport(Glibc)
import Glibc
#endif

public enum UAPISocketDirectory {
    static let foreignWriteBits: mode_t = 0o022

    /// Creates `directory` when missing (0755: wg(8) run by others may list it), then
    /// checks it is a directory, not a link, owned by the effective user, writable by no one else.
    static func prepare(_ directory: String, mode: mode_t) throws {
        if mkdir(directory, mode) != 0 && errno != EEXIST {
            throw UAPIServerError.directoryUnusable(directory, errno: errno)
        }
        try check(directory)
    }

    /// The same checks on an existing directory; false when it does not exist.
    @discardableResult
    public static func check(_ directory: String) throws -> Bool {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 && errno == ENOENT { return false }
        guard fd >= 0 else {
            let e = errno
            // O_NOFOLLOW with O_DIRECTORY reports a link as "not a directory".
            var link = stat()
            if (e == ELOOP || e == ENOTDIR) && lstat(directory, &link) == 0 && link.st_mode & S_IFMT == S_IFLNK {
                throw UAPIServerError.directoryUntrusted(directory, reason: "it is a symbolic link")
            }
            throw UAPIServerError.directoryUnusable(directory, errno: e)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw UAPIServerError.directoryUnusable(directory, errno: errno) }
        let euid = geteuid()
        guard info.st_uid == euid else {
            throw UAPIServerError.directoryUntrusted(directory, reason: "it is owned by uid \(info.st_uid), not \(euid)")
        }
        guard info.st_mode & foreignWriteBits == 0 else {
            throw UAPIServerError.directoryUntrusted(
                directory, reason: "group or others may write it (mode \(String(info.st_mode & 0o7777, radix: 8)))")
        }
        return true
    }

    /// Removes the socket of `interface` when no process answers on it. A live socket, or
    /// a file there that is not a socket, stays. Returns whether it removed one.
    public static func removeStaleSocket(interface: String, directory: String = UAPISocketPath.defaultDirectory) throws -> Bool {
        guard UAPISocketPath.isValidInterfaceName(interface) else { throw UAPIServerError.invalidInterfaceName(interface) }
        guard try check(directory) else { return false }
        let path = UAPISocketPath.path(interface: interface, directory: directory)
        guard let isSocket = UnixSocket.isSocket(path) else { return false }
        guard isSocket else { throw UAPIServerError.notASocket(path) }
        switch UnixSocket.probe(path) {
        case .live: throw UAPIServerError.alreadyRunning(interface: interface, path: path)
        case .missing: return false
        case .stale:
            guard unlink(path) == 0 else {
                if errno == ENOENT { return false }
                throw UAPIServerError.socketFailed(path: path, operation: "remove the stale", errno: errno)
            }
            return true
        case .failed(let e): throw UAPIServerError.socketFailed(path: path, operation: "probe", errno: e)
        }
    }

    /// Whether a process answers on the socket of `interface` (in any network namespace:
    /// the directory is shared by all of them).
    public static func isLive(interface: String, directory: String = UAPISocketPath.defaultDirectory) -> Bool {
        guard UAPISocketPath.isValidInterfaceName(interface) else { return false }
        let path = UAPISocketPath.path(interface: interface, directory: directory)
        return UnixSocket.isSocket(path) == true && UnixSocket.probe(path) == .live
    }
}
