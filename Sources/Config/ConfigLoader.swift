// Reads a configuration file from disk. The file holds a private key, so it is refused
// when group or others may read it, as wg-quick warns about: the fix is chmod 600. That
// advice is given only for a file that holds a key: any other file (/etc/passwd, an empty
// or garbled one) gets the parse error that says what is wrong with it.
#if canImport(Glibc)
import Glibc
#endif

public enum ConfigLoader {
    /// Larger files are certainly not configs; refusing them bounds memory. A server's
    /// file takes about 120 bytes a peer, so this leaves room for 100,000 peers (1 MiB
    /// refused a server with 10,000).
    public static let maxFileSize = 16 << 20
    /// Permission bits that let group or others read, write or execute.
    static let groupOtherBits: mode_t = 0o077

    /// Reads and parses `path`. Throws ConfigError (unreadable, too permissive, or invalid).
    public static func load(path: String, dialect: ConfigDialect = .wgQuick) throws -> WireGuardConfig {
        let file = try readFile(path)
        let parsed = Result { try WireGuardConfig(parsing: file.text, fileName: path, dialect: dialect) }
        // An exposed key is the first thing to fix, even in a file with other errors.
        if let mode = file.looseMode, holdsPrivateKey(file.text) {
            throw failure(.insecurePermissions, path,
                          "holds a private key but is accessible by group or others (mode \(String(mode, radix: 8))); run: chmod 600 \(path)")
        }
        return try parsed.get()
    }

    /// Whether some line sets PrivateKey (keys are case-insensitive, as the parser reads them).
    static func holdsPrivateKey(_ text: String) -> Bool {
        text.split(whereSeparator: \.isNewline).contains { line in
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
            guard let equals = content.firstIndex(of: "=") else { return false }
            let key = content[..<equals].trimmedSpaces.lowercased()
            let value = content[content.index(after: equals)...].trimmedSpaces
            return key == "privatekey" && !value.isEmpty
        }
    }

    /// wg-quick's rule: a path ending in `NAME.conf` configures interface NAME, which must
    /// be a valid interface name (1-15 of `a-zA-Z0-9_=+.-`). Nil otherwise.
    public static func interfaceName(forPath path: String) -> String? {
        let file = path.split(separator: "/").last.map(String.init) ?? path
        guard file.hasSuffix(".conf") else { return nil }
        let name = file.dropLast(".conf".count)
        let allowed = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_=+.-".contains($0)) }
        return allowed && (1...15).contains(name.count) ? String(name) : nil
    }

    /// The file's text, after checking on the open descriptor (so the check and the read
    /// see the same file) that it is a regular file; with its permission bits when group
    /// or others have any.
    static func readFile(_ path: String) throws -> (text: String, looseMode: mode_t?) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(.unreadableFile, path, "cannot open: \(errnoText())") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure(.unreadableFile, path, "cannot stat: \(errnoText())") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw failure(.unreadableFile, path, "not a regular file") }
        guard info.st_size <= maxFileSize else { throw failure(.unreadableFile, path, "larger than \(maxFileSize) bytes") }
        let bytes = try readAll(fd, path: path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw failure(.unreadableFile, path, "is not UTF-8 text")
        }
        let loose = info.st_mode & groupOtherBits
        return (text, loose == 0 ? nil : info.st_mode & 0o777)
    }

    private static func readAll(_ fd: Int32, path: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n == 0 { return bytes }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure(.unreadableFile, path, "read failed: \(errnoText())")
            }
            bytes += chunk[0..<n]
            if bytes.count > maxFileSize { throw failure(.unreadableFile, path, "larger than \(maxFileSize) bytes") }
        }
    }

    private static func failure(_ kind: ConfigError.Kind, _ path: String, _ message: String) -> ConfigError {
        ConfigError(kind, fileName: path, line: nil, message)
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
