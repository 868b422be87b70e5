// A failed control request: the errno to answer with and what a person needs to know.
// Messages name the key and line, and never include a key's value (it may be a secret).
public struct UAPIError: Error, Equatable, Sendable, CustomStringConvertible {
    public var errno: Int32
    public var message: String

    public init(errno: Int32, _ message: String) {
        self.errno = errno
        self.message = message
    }

    public var description: String { "\(message) (errno \(errno))" }

    static func invalid(_ message: String) -> UAPIError { UAPIError(errno: UAPIErrno.invalidValue, message) }
    static func protocolViolation(_ message: String) -> UAPIError { UAPIError(errno: UAPIErrno.protocolError, message) }
    static func tooLarge(_ message: String) -> UAPIError { UAPIError(errno: UAPIErrno.tooLarge, message) }
}
