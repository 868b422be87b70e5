// The resolver's configuration file, read and rewritten in place. It may be a
// bind mount (`ip netns exec` mounts /etc/netns/NS/resolv.conf over it) or a
// symlink target, so it is never replaced by a rename: the same inode is
// truncated and written.
#if canImport(Glibc)
import Glibc
#endif

public struct ResolvConfFile: Equatable, Sendable {
    public static let defaultPath = "/etc/resolv.conf"
    static let createMode: mode_t = 0o644
    static let readChunk = 4096

    public let path: String

    public init(path: String = ResolvConfFile.defaultPath) { self.path = path }

    /// The current content; nil when the file does not exist.
    public func read() throws -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw NetworkSetupError.failed("read \(path)", FileAccessError(errno: errno))
        }
        defer { close(fd) }
        var content: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: ResolvConfFile.readChunk)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw NetworkSetupError.failed("read \(path)", FileAccessError(errno: errno))
            }
            if count == 0 { break }
            content += chunk.prefix(count)
        }
        return String(decoding: content, as: UTF8.self)
    }

    /// Truncates the file and writes `text` into the same inode.
    public func overwrite(with text: String) throws {
        let action = "write \(path)"
        let fd = open(path, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, ResolvConfFile.createMode)
        if fd < 0 { throw NetworkSetupError.failed(action, FileAccessError(errno: errno)) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw NetworkSetupError.failed(action, FileAccessError(errno: errno))
            }
            offset += written
        }
    }

    /// Removes the file; used only when it did not exist before the client wrote it.
    public func remove() throws {
        if unlink(path) != 0 && errno != ENOENT {
            throw NetworkSetupError.failed("remove \(path)", FileAccessError(errno: errno))
        }
    }
}
