// A failed file-system step while creating or rewriting a private file, with the path
// and the system's reason.

public struct PrivateFileError: Error, Equatable, CustomStringConvertible {
    public var path: String
    /// What was being done: "create directory", "write", "rename over", ...
    public var action: String
    public var reason: String

    public init(path: String, action: String, reason: String) {
        self.path = path
        self.action = action
        self.reason = reason
    }

    public var description: String { "\(path): cannot \(action): \(reason)" }
}
