// A peer-limit value that does not parse (`--rate fast`, `--quota -5`, a past
// `--expires`): the kind of value, the text as typed, and what to write instead, so the
// CLI can print it as one line after the option's name.

public struct LimitValueError: Error, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case rate, size, quota, duration, date
    }

    public var kind: Kind
    /// The text exactly as given.
    public var input: String
    public var reason: String

    public init(_ kind: Kind, _ input: String, _ reason: String) {
        self.kind = kind
        self.input = input
        self.reason = reason
    }

    public var description: String { "invalid \(kind.rawValue) '\(input)': \(reason)" }
}
