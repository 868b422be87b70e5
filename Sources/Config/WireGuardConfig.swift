// A whole configuration: one [Interface] and its [Peer]s. Parsing takes text and a
// file name for messages (no file I/O here: see ConfigLoader); rendering produces a
// file wg-quick (or `wg setconf`) accepts and that parses back to an equal value.
import WireGuard

public struct WireGuardConfig: Equatable, Sendable {
    public var interface: InterfaceSection
    public var peers: [PeerSection]

    public init(interface: InterfaceSection, peers: [PeerSection] = []) {
        self.interface = interface
        self.peers = peers
    }

    /// Parses a wg-quick file (or, with `.wg`, `wg showconf` output). Throws ConfigError.
    public init(parsing text: String, fileName: String, dialect: ConfigDialect = .wgQuick) throws {
        let sections = try ConfigParser.sections(of: text, fileName: fileName, dialect: dialect)
        let values = ConfigValues(fileName: fileName)
        guard let interface = sections.first(where: { $0.kind == .interface }) else {
            throw ConfigError(.missingInterface, fileName: fileName, line: nil,
                              "no [Interface] section (it holds this side's PrivateKey)")
        }
        self.interface = try InterfaceSection(interface, values: values)
        self.peers = []
        var peerLines: [Key: Int] = [:]
        for raw in sections where raw.kind == .peer {
            let peer = try PeerSection(raw, values: values)
            if let first = peerLines[peer.publicKey] {
                throw ConfigError(.duplicatePeer, fileName: fileName, line: raw.headerLine,
                                  "this [Peer] has the same PublicKey as the [Peer] on line \(first)")
            }
            peerLines[peer.publicKey] = raw.headerLine
            peers.append(peer)
        }
    }

    /// Parses the output of `wg showconf IFACE` (the `wg` dialect: no wg-quick keys).
    public static func parseShowconf(_ text: String, fileName: String = "wg showconf") throws -> WireGuardConfig {
        try WireGuardConfig(parsing: text, fileName: fileName, dialect: .wg)
    }

    /// The file text: [Interface] first, then peers in order, keys in a fixed order.
    /// With `.wg`, wg-quick-only keys and peer names are left out (like `wg-quick strip`).
    public func render(_ dialect: ConfigDialect = .wgQuick) -> String {
        var lines = interface.render(dialect)
        for peer in peers {
            lines.append("")
            lines += peer.render(dialect)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The peer with this public key, if configured.
    public func peer(withPublicKey key: Key) -> PeerSection? {
        peers.first { $0.publicKey == key }
    }
}
