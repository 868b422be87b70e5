// A `# Key = value` comment inside a [Peer] section other than `# Name`: where this
// program keeps what WireGuard has no key for (a peer's limits: `# Rate = 20mbit`,
// `# Disabled = true`). wg-quick and the phone apps skip comments, so the file stays a
// valid wg-quick file. Config only carries them, in file order, and writes them back;
// what they mean is the Peers module's business.

public struct PeerNote: Equatable, Sendable {
    /// As written (`Rate`); compare with `matches`, since people write `rate` too.
    public var key: String
    /// One line, spaces trimmed.
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    public func matches(_ name: String) -> Bool { key.lowercased() == name.lowercased() }

    /// A note key is one word of ASCII letters: a free-text comment that happens to hold
    /// an '=' (`# see https://example.com/?a=b`) is not taken for one.
    static func isNoteKey(_ key: Substring) -> Bool {
        !key.isEmpty && key.count <= ConfigParser.maxShownKeyLength && key.allSatisfy { $0.isASCII && $0.isLetter }
    }
}
