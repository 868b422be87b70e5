// A [Peer] section: who the peer is, where to reach it, and which inner addresses it owns.
import Addresses
import WireGuard

public struct PeerSection: Equatable, Sendable {
    /// From a `# Name = alice` comment inside the section; not part of WireGuard itself.
    public var name: String?
    public var publicKey: Key
    public var presharedKey: Key?
    public var endpoint: PeerEndpoint?
    /// In file order, repeated AllowedIPs lines accumulated.
    public var allowedIPs: [IPPrefix]
    /// Seconds; nil when off (wg treats 0 as off).
    public var persistentKeepalive: UInt16?
    /// `# Key = value` comments other than the name (a peer's limits), in file order.
    public var notes: [PeerNote] = []

    public init(name: String? = nil, publicKey: Key, presharedKey: Key? = nil, endpoint: PeerEndpoint? = nil,
                allowedIPs: [IPPrefix] = [], persistentKeepalive: UInt16? = nil) {
        self.name = name
        self.publicKey = publicKey
        self.presharedKey = presharedKey
        self.endpoint = endpoint
        self.allowedIPs = allowedIPs
        self.persistentKeepalive = persistentKeepalive == 0 ? nil : persistentKeepalive
    }

    /// Decodes entries in file order, so the first bad line is the one reported.
    init(_ raw: RawSection, values: ConfigValues) throws {
        self.init(name: raw.name, publicKey: ConfigValues.placeholderKey)
        notes = raw.notes
        var found: Key?
        for entry in raw.entries {
            if entry.key == "PublicKey" {
                found = try values.key(entry)
            } else {
                try apply(entry, values)
            }
        }
        guard let key = found else {
            throw ConfigError(.missingKey, fileName: values.fileName, line: raw.headerLine,
                              "[Peer] has no PublicKey (the peer's `wg pubkey` output)")
        }
        publicKey = key
    }

    private mutating func apply(_ entry: RawSection.Entry, _ values: ConfigValues) throws {
        switch entry.key {
        case "PresharedKey": presharedKey = try values.key(entry)
        case "Endpoint": endpoint = try values.endpoint(entry)
        case "AllowedIPs": allowedIPs += try values.prefixes(entry)
        case "PersistentKeepalive": persistentKeepalive = try values.keepalive(entry)
        default: break  // ConfigParser admits only known keys.
        }
    }

    func render(_ dialect: ConfigDialect) -> [String] {
        var lines = ["[Peer]"]
        if let name = name.flatMap({ ConfigParser.oneLine(Substring($0)) }), dialect == .wgQuick {
            lines.append("# Name = \(name)")  // one line: a line break would end the comment
        }
        if dialect == .wgQuick {
            for note in notes {
                guard PeerNote.isNoteKey(Substring(note.key)), let value = ConfigParser.oneLine(Substring(note.value)) else { continue }
                lines.append("# \(note.key) = \(value)")
            }
        }
        lines.append("PublicKey = \(publicKey.base64)")
        if let psk = presharedKey { lines.append("PresharedKey = \(psk.base64)") }
        if let endpoint = endpoint { lines.append("Endpoint = \(endpoint)") }
        if !allowedIPs.isEmpty { lines.append("AllowedIPs = " + allowedIPs.map(\.description).joined(separator: ", ")) }
        if let keepalive = persistentKeepalive, keepalive > 0 { lines.append("PersistentKeepalive = \(keepalive)") }
        return lines
    }
}
