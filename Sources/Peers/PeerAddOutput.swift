// What `tunnel peer add` prints.

public struct PeerAddOutput: Equatable, Sendable {
    /// The client config, then (with --qr) a blank line and the QR code.
    public var standardOutput: String
    /// One line for standard error: who was added, with which addresses, to which file.
    public var summary: String

    public init(standardOutput: String, summary: String) {
        self.standardOutput = standardOutput
        self.summary = summary
    }
}
