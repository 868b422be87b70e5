// Why a NAT configuration was refused.

/// A configuration value the NAT cannot work with, naming the field to fix.
public enum NATConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Port 0 is not a usable port or echo identifier.
    case rangeIncludesZero(field: String)
    case nonPositive(field: String, value: Int)
    case tooLarge(field: String, value: Int, maximum: Int)
    case zeroTimeout

    public var description: String {
        switch self {
        case .rangeIncludesZero(let field):
            return "NAT \(field) must not include 0 (use e.g. 61000-64999)"
        case .nonPositive(let field, let value):
            return "NAT \(field) must be at least 1, got \(value)"
        case .tooLarge(let field, let value, let maximum):
            return "NAT \(field) must be at most \(maximum), got \(value)"
        case .zeroTimeout:
            return "NAT timeouts must all be longer than zero"
        }
    }
}
