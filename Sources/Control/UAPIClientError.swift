// Why a control request to a running tunnel failed, worded for the person running
// `tunnel status` or `tunnel` commands.
public enum UAPIClientError: Error, Equatable, CustomStringConvertible {
    case invalidInterfaceName(String)
    case pathTooLong(String)
    /// No socket file: nothing runs on that interface.
    case noSuchInterface(interface: String, path: String)
    /// A socket file nobody answers on, left by a process that died.
    case notRunning(interface: String, path: String)
    case permissionDenied(path: String)
    case timedOut(path: String)
    /// The other side closed before a whole answer arrived.
    case connectionClosed(path: String)
    case malformedAnswer(path: String, reason: String)
    /// The tunnel answered with a nonzero errno.
    case rejected(path: String, errno: Int32)
    case ioFailed(path: String, operation: String, errno: Int32)

    public var description: String {
        switch self {
        case .invalidInterfaceName(let n):
            return "'\(n)' is not a valid interface name (1 to 15 characters, no '/', ':' or spaces)"
        case .pathTooLong(let p):
            return "control socket path \(p) is too long for a Unix socket address"
        case .noSuchInterface(let i, let p):
            return "no tunnel is running on interface \(i) (no control socket at \(p))"
        case .notRunning(let i, let p):
            return "the tunnel on interface \(i) is not running (nobody answers on \(p))"
        case .permissionDenied(let p):
            return "permission denied on \(p): run as root"
        case .timedOut(let p):
            return "the tunnel did not answer on \(p) in time"
        case .connectionClosed(let p):
            return "the tunnel closed \(p) before answering"
        case .malformedAnswer(let p, let r):
            return "the answer on \(p) is not understood: \(r)"
        case .rejected(_, let e):
            return "the tunnel refused the request: \(UnixSocket.errorText(e)) (errno \(e))"
        case .ioFailed(let p, let op, let e):
            return "cannot \(op) \(p): \(UnixSocket.errorText(e))"
        }
    }
}
