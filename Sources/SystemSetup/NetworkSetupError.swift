// What went wrong while the client set up or restored the system around its
// tunnel interface: one line each, naming the change and the kernel's reason.
import Netlink
#if canImport(Glibc)
import Glibc
#endif

public enum NetworkSetupError: Error, Equatable, CustomStringConvertible {
    /// The config's `Table =` is neither off, auto, main, default nor a table number.
    case invalidTable(String)
    /// A change was refused, e.g. action "add route 0.0.0.0/0 dev tunnel0 table 51820".
    case changeFailed(action: String, reason: String)
    /// A state file from an earlier run could not be read back.
    case unreadableState(path: String, reason: String)
    /// Undoing left some changes in place; each entry is one failure.
    case incompleteRevert([String])
    /// The state recorded for an interface is not a dead run's of this kind here.
    case notALeftover(interface: String, reason: String)
    /// A state directory or file that someone other than the running user owns or may
    /// write: acting on it could make root change files the program never wrote.
    case untrustedState(path: String, reason: String)
    /// A live server already holds what a starting one needs.
    case serverAlreadyRunning(pid: Int32, interface: String, holds: String, fix: String)
    /// A state file that is not what this program writes (a name, sysctl or path it never uses).
    case invalidState(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidTable(let value):
            return "Table = \(value): expected off, auto, main, default or a table number (1-4294967295, not 255)"
        case .changeFailed(let action, let reason):
            return "cannot \(action): \(reason)"
        case .unreadableState(let path, let reason):
            return "cannot read the state file \(path) left by an earlier run: \(reason)"
        case .incompleteRevert(let failures):
            return "could not undo everything: " + failures.joined(separator: "; ")
        case .notALeftover(let interface, let reason):
            return "not cleaning up \(interface): \(reason)"
        case .untrustedState(let path, let reason):
            return "refusing to use \(path): \(reason); remove it, or make it root's own and not writable by group or others"
        case .serverAlreadyRunning(let pid, let interface, let holds, let fix):
            return "a tunnel server is already running with \(holds) (pid \(pid), interface \(interface)); \(fix)"
        case .invalidState(let path, let reason):
            return "refusing the state file \(path): \(reason); check it and remove it by hand"
        }
    }

    /// Wraps an underlying failure with what was being done.
    static func failed(_ action: String, _ error: Error) -> NetworkSetupError {
        if let mine = error as? NetworkSetupError { return mine }
        return .changeFailed(action: action, reason: reason(error))
    }

    /// The kernel's reason alone: the action is already named by the caller.
    static func reason(_ error: Error) -> String {
        switch error {
        case let netlink as NetlinkError:
            return netlink.errno.map(errnoText) ?? netlink.message
        case let sysctl as SysctlError:
            return sysctl.errno.map(errnoText) ?? "not a valid sysctl name"
        case let file as FileAccessError:
            return errnoText(file.errno)
        default:
            return "\(error)"
        }
    }

    static func errnoText(_ code: Int32) -> String { String(cString: strerror(code)) }
}

/// A failed system call on a file, carrying its errno.
struct FileAccessError: Error {
    let errno: Int32
}
