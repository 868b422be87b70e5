// Config module: wg-quick configuration files (and `wg showconf` output) parsed into
// plain values, rendered back, and loaded from disk with a permission check.
// This file: the one error type every config problem is reported as.

/// A problem in a configuration file, with where it is and what to change.
/// `description` is one line: `server.conf:7: AllowedIPs: '10.0.0.0/33' is not a valid prefix`.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// A line that is neither a section header, a `Key = Value` pair nor a comment.
        case syntax
        case unknownSection
        case unknownKey
        case keyOutsideSection
        case duplicateSection
        case duplicateKey
        /// Two [Peer] sections with the same PublicKey.
        case duplicatePeer
        case missingKey
        case missingInterface
        case invalidValue
        /// A key wg-quick understands but the `wg` (showconf/setconf) format does not.
        case notInThisFormat
        case unreadableFile
        case insecurePermissions
    }

    public var kind: Kind
    public var fileName: String
    /// 1-based; nil when the problem concerns the whole file.
    public var line: Int?
    public var message: String

    public init(_ kind: Kind, fileName: String, line: Int?, _ message: String) {
        self.kind = kind
        self.fileName = fileName
        self.line = line
        self.message = message
    }

    public var description: String {
        guard let line = line else { return "\(fileName): \(message)" }
        return "\(fileName):\(line): \(message)"
    }
}
