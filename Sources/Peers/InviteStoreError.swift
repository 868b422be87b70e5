// Why the invites file could not be used.
public enum InviteStoreError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "\(path): \(reason) (move it aside to drop the pending invites)"
        }
    }
}
