// Why `tunnel status` has nothing to show, in words a person can act on.
import Control

public enum StatusError: Error, Equatable, CustomStringConvertible {
    case notRoot(directory: String)
    case noTunnelRunning
    /// Reading one tunnel's socket failed.
    case unreadable(UAPIClientError)

    public var description: String {
        switch self {
        case .notRoot(let dir): return "tunnel status needs root to read \(dir)"
        case .noTunnelRunning: return "no tunnel is running"
        case .unreadable(let e): return e.description
        }
    }
}
