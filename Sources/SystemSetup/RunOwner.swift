// Which run wrote a state file: enough for a later cleanup to tell a run that is still
// going from a dead one, this network namespace from another, and a client from a server.
// A pid alone is not enough (pids are reused), so the process's start time goes with it;
// and state files are shared by every namespace (/run is not per namespace), while the
// routes, rules and sysctls they describe are not.
import Foundation

public struct RunOwner: Codable, Equatable, Sendable {
    public var pid: Int32
    /// Clock ticks after boot at which the process started (/proc/PID/stat, field 22).
    public var processStartTime: UInt64
    /// Inode of the network namespace the run configured (/proc/thread-self/ns/net).
    /// Inodes are reused once a namespace is deleted, so it is compared only when a
    /// cookie is missing.
    public var networkNamespace: UInt64
    /// The kernel's cookie of that namespace (SO_NETNS_COOKIE): unique until reboot,
    /// never handed to a later namespace. Nil in files older than the field.
    public var networkNamespaceCookie: UInt64?
    /// TunnelRouteProtocol.id for a client, .server for a server.
    public var protocolID: UInt8

    /// The calling process, in the calling thread's network namespace.
    static func current(protocolID: UInt8) -> RunOwner {
        let pid = getpid()
        return RunOwner(pid: pid, processStartTime: RunOwner.startTime(of: pid) ?? 0,
                        networkNamespace: RunOwner.currentNetworkNamespace() ?? 0,
                        networkNamespaceCookie: RunOwner.currentNetworkNamespaceCookie(), protocolID: protocolID)
    }

    public init(pid: Int32, processStartTime: UInt64, networkNamespace: UInt64, networkNamespaceCookie: UInt64? = nil,
                protocolID: UInt8) {
        self.pid = pid
        self.processStartTime = processStartTime
        self.networkNamespace = networkNamespace
        self.networkNamespaceCookie = networkNamespaceCookie
        self.protocolID = protocolID
    }

    /// Whether the run configured the calling thread's namespace: by cookie when both
    /// sides have one (a deleted namespace's inode can come back for a new one), else by inode.
    func isIn(namespace: UInt64?, cookie: UInt64?) -> Bool {
        if let mine = networkNamespaceCookie, let cookie { return mine == cookie }
        guard let namespace else { return true }
        return networkNamespace == namespace
    }

    /// Whether the recorded process still runs (same pid, same start time).
    public var isAlive: Bool {
        guard let now = RunOwner.startTime(of: pid) else { return false }
        return now == processStartTime
    }

    static func currentNetworkNamespace() -> UInt64? {
        var info = stat()
        guard stat("/proc/thread-self/ns/net", &info) == 0 else { return nil }
        return UInt64(info.st_ino)
    }

    /// SO_NETNS_COOKIE (Linux 5.14) of a socket made in the calling thread's namespace.
    static func currentNetworkNamespaceCookie() -> UInt64? {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var cookie: UInt64 = 0
        var length = socklen_t(MemoryLayout<UInt64>.size)
        guard getsockopt(fd, SOL_SOCKET, networkNamespaceCookieOption, &cookie, &length) == 0 else { return nil }
        return cookie
    }

    /// SO_NETNS_COOKIE from <asm-generic/socket.h>; Glibc's headers may predate it.
    static let networkNamespaceCookieOption: Int32 = 71

    /// Field 22 of /proc/PID/stat; the command name (field 2) may hold spaces and
    /// parentheses, so fields are counted after its closing parenthesis.
    static func startTime(of pid: Int32) -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the name: field 3 (state) is fields[0], so field 22 is fields[19].
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }
}
