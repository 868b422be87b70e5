// Files that hold private keys, written so no other user can ever read them: created
// 0600 with O_EXCL (never briefly wider), replaced atomically through a 0600 temporary
// file in the same directory, and edited under an exclusive lock so two concurrent
// `tunnel peer add` runs cannot lose each other's peer.
#if canImport(Glibc)
import Glibc
#endif

enum PrivateFile {
    static let fileMode: mode_t = 0o600
    static let directoryMode: mode_t = 0o700
    /// mkstemp's XXXXXX: what follows `.<name>.` in a temporary file's name.
    static let temporarySuffixLength = 6

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// Creates the missing directories of `path` (like `mkdir -p`), each 0700.
    static func createDirectories(_ path: String) throws {
        guard !path.isEmpty, path != "/", path != ".", !exists(path) else { return }
        try createDirectories(directory(of: path))
        if mkdir(path, directoryMode) != 0 && errno != EEXIST {
            throw failure(path, "create directory")
        }
    }

    /// Creates `path` with `contents`, mode 0600. False (and nothing written) when the
    /// file already exists.
    static func createExclusive(_ path: String, contents: String) throws -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        if fd < 0 && errno == EEXIST { return false }
        guard fd >= 0 else { throw failure(path, "create") }
        do {
            try writeAll(fd, contents, path: path)
            try sync(fd, path: path)
        } catch {
            close(fd)
            unlink(path)
            throw error
        }
        close(fd)
        return true
    }

    /// Replaces `path` with `contents` in one step: readers see the old file or the new
    /// one, never a mix, and a crash leaves the old file intact.
    static func replace(_ path: String, contents: String) throws {
        let dir = directory(of: path)
        let base = path.split(separator: "/").last.map(String.init) ?? path
        var template = Array("\(dir)/.\(base).\(String(repeating: "X", count: temporarySuffixLength))".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw failure(dir, "create a temporary file in") }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        do {
            guard fchmod(fd, fileMode) == 0 else { throw failure(temporary, "chmod") }
            try writeAll(fd, contents, path: temporary)
            try sync(fd, path: temporary)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let error = failure(path, "rename over")
            unlink(temporary)
            throw error
        }
        syncDirectory(dir)
    }

    /// Runs `body` holding an exclusive lock on `path`'s directory. The directory, not
    /// the file: replace() swaps the file's inode, which would orphan a lock on it.
    static func withDirectoryLock<T>(of path: String, _ body: () throws -> T) throws -> T {
        let dir = directory(of: path)
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(dir, "open directory") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw failure(dir, "lock") }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    private static func writeAll(_ fd: Int32, _ contents: String, path: String) throws {
        let bytes = Array(contents.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure(path, "write")
            }
            done += n
        }
    }

    private static func sync(_ fd: Int32, path: String) throws {
        guard fsync(fd) == 0 else { throw failure(path, "fsync") }
    }

    /// Makes the rename durable; a failure here loses nothing already visible.
    private static func syncDirectory(_ dir: String) {
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    private static func failure(_ path: String, _ action: String) -> PrivateFileError {
        PrivateFileError(path: path, action: action, reason: String(cString: strerror(errno)))
    }
}
