// Directories and files whose content root acts on (state files, resolv.conf backups)
// must be root's own. One that another user owns, or may write, could have been planted
// to make root overwrite, delete or leak files elsewhere. Each check runs on the open
// descriptor (O_NOFOLLOW, fstat), so what is checked is what is then used; a symbolic
// link in the last component is refused rather than followed.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum OwnedPath {
    static let directoryMode: mode_t = 0o700
    /// Group or others may write.
    static let foreignWriteBits: mode_t = 0o022
    /// State files and backups are a few kilobytes; a larger one is not ours.
    static let maxFileSize = 1 << 20

    /// Checks that `path` is a directory owned by the effective user and writable by no
    /// one else; creates it (0700) first when `create` and it is missing. Returns false
    /// when it is missing and not created.
    @discardableResult
    static func checkDirectory(_ path: String, create: Bool) throws -> Bool {
        var fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 && errno == ENOENT {
            guard create else { return false }
            if mkdir(path, directoryMode) != 0 && errno != EEXIST {
                throw NetworkSetupError.failed("create the state directory \(path)", FileAccessError(errno: errno))
            }
            fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        }
        guard fd >= 0 else { throw untrusted(path, opening: errno) }
        defer { close(fd) }
        try check(fd, path, kind: S_IFDIR, kindName: "a directory")
        return true
    }

    /// The content of a regular file owned by the effective user and writable by no one
    /// else; nil when it does not exist.
    static func read(_ path: String) throws -> Data? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 && errno == ENOENT { return nil }
        guard fd >= 0 else { throw untrusted(path, opening: errno) }
        defer { close(fd) }
        let info = try check(fd, path, kind: S_IFREG, kindName: "a regular file")
        guard Int(info.st_size) <= maxFileSize else {
            throw NetworkSetupError.untrustedState(path: path, reason: "it is larger than \(maxFileSize) bytes")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count <= maxFileSize {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n == 0 { return Data(bytes) }
            if n < 0 {
                if errno == EINTR { continue }
                throw NetworkSetupError.failed("read \(path)", FileAccessError(errno: errno))
            }
            bytes += chunk[0..<n]
        }
        throw NetworkSetupError.untrustedState(path: path, reason: "it is larger than \(maxFileSize) bytes")
    }

    @discardableResult
    private static func check(_ fd: Int32, _ path: String, kind: mode_t, kindName: String) throws -> stat {
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw NetworkSetupError.failed("inspect \(path)", FileAccessError(errno: errno))
        }
        guard info.st_mode & S_IFMT == kind else {
            throw NetworkSetupError.untrustedState(path: path, reason: "it is not \(kindName)")
        }
        let euid = geteuid()
        guard info.st_uid == euid else {
            throw NetworkSetupError.untrustedState(
                path: path, reason: "it is owned by uid \(info.st_uid), not by uid \(euid) that runs tunnel")
        }
        guard info.st_mode & foreignWriteBits == 0 else {
            throw NetworkSetupError.untrustedState(
                path: path, reason: "group or others may write it (mode \(String(info.st_mode & 0o7777, radix: 8)))")
        }
        return info
    }

    private static func untrusted(_ path: String, opening code: Int32) -> NetworkSetupError {
        // O_NOFOLLOW with O_DIRECTORY reports a link as "not a directory".
        var link = stat()
        if (code == ELOOP || code == ENOTDIR) && lstat(path, &link) == 0 && link.st_mode & S_IFMT == S_IFLNK {
            return .untrustedState(path: path, reason: "it is a symbolic link")
        }
        if code == ENOTDIR { return .untrustedState(path: path, reason: "it is not a directory") }
        return .failed("open \(path)", FileAccessError(errno: code))
    }
}
