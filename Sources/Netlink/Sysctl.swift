#if canImport(Glibc)
import Glibc
#endif

/// A kernel parameter under /proc/sys. The net.* ones belong to the network
/// namespace of the thread that reads or writes them.
public struct Sysctl: Hashable, Sendable, CustomStringConvertible {
    static let root = "/proc/sys"
    static let maximumValueLength = 4096

    /// Path components below /proc/sys, e.g. ["net", "ipv4", "ip_forward"].
    public let components: [String]

    /// A dotted name such as "net.ipv4.ip_forward". Names whose parts contain
    /// dots (interface "eth0.100") need `init(components:)` or `interface`.
    public init(_ dottedName: String) {
        components = dottedName.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    public init(components: [String]) { self.components = components }

    /// net.<family>.conf.<interface>.<key>, e.g. ("ipv4", "eth0", "rp_filter").
    public static func interface(_ family: String, _ interface: String, _ key: String) -> Sysctl {
        Sysctl(components: ["net", family, "conf", interface, key])
    }

    public var path: String { ([Sysctl.root] + components).joined(separator: "/") }

    public var description: String { components.joined(separator: ".") }

    /// The current value, without its trailing newline.
    public func read() throws -> String {
        try checkName(operation: "read")
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw SysctlError(operation: "read", path: path, errno: errno) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: Sysctl.maximumValueLength)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if count < 0 { throw SysctlError(operation: "read", path: path, errno: errno) }
        var text = String(decoding: buffer.prefix(count), as: UTF8.self)
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    /// Writes `value` and returns the value it replaced, so callers can restore it.
    @discardableResult
    public func write(_ value: String) throws -> String {
        let old = try read()
        let operation = "write \(value) to"
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        if fd < 0 { throw SysctlError(operation: operation, path: path, errno: errno) }
        defer { close(fd) }
        let bytes = Array((value + "\n").utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if written < 0 { throw SysctlError(operation: operation, path: path, errno: errno) }
        return old
    }

    /// Rejects components that would leave /proc/sys or name no file.
    private func checkName(operation: String) throws {
        let bad = components.isEmpty || components.contains {
            $0.isEmpty || $0 == "." || $0 == ".." || $0.contains("/")
        }
        if bad { throw SysctlError(operation: operation, path: path, errno: nil) }
    }
}
