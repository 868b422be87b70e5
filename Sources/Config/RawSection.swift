// A section as read from the file, before its values are decoded: what kind it is,
// where its header was, its `Key = Value` lines and its `# Name = ...` or
// `# Endpoint = ...` comment.

struct RawSection {
    enum Kind: String {
        case interface = "Interface"
        case peer = "Peer"
    }

    struct Entry {
        /// As written, for messages.
        var key: String
        var value: String
        var line: Int
        var lowercasedKey: String { key.lowercased() }
    }

    var kind: Kind
    var headerLine: Int
    var entries: [Entry] = []
    /// From a `# Name = alice` comment inside the section.
    var name: String?
    /// Other `# Key = value` comments inside a [Peer], in file order.
    var notes: [PeerNote] = []
    /// From a `# Endpoint = host:port` comment inside [Interface].
    var endpointComment: String?

    init(kind: Kind, headerLine: Int) {
        self.kind = kind
        self.headerLine = headerLine
    }
}
