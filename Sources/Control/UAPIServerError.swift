// Why the control socket could not be opened, with what a person needs to fix it.
public enum UAPIServerError: Error, Equatable, CustomStringConvertible {
    case invalidInterfaceName(String)
    case pathTooLong(String)
    case directoryUnusable(String, errno: Int32)
    /// Owned by another user, writable by others, or a link: root must not make or remove files in it.
    case directoryUntrusted(String, reason: String)
    case alreadyRunning(interface: String, path: String)
    case notASocket(String)
    case socketFailed(path: String, operation: String, errno: Int32)

    public var description: String {
        switch self {
        case .invalidInterfaceName(let n):
            return "'\(n)' is not a valid interface name (1 to 15 characters, no '/', ':' or spaces)"
        case .pathTooLong(let p):
            return "control socket path \(p) is longer than a Unix socket address allows (\(UnixSocket.maxPathBytes) bytes)"
        case .directoryUnusable(let d, let e):
            return "cannot use directory \(d) for the control socket: \(UnixSocket.errorText(e))"
        case .directoryUntrusted(let d, let reason):
            return "refusing to use \(d) for control sockets: \(reason); make it root's own and not writable by group or others"
        case .alreadyRunning(let i, let p):
            return "interface \(i) already has a running tunnel (a process answers on \(p)); stop it first"
        case .notASocket(let p):
            return "\(p) exists and is not a socket; remove it by hand if it is left over"
        case .socketFailed(let p, let op, let e):
            return "cannot \(op) the control socket \(p): \(UnixSocket.errorText(e))"
        }
    }
}
