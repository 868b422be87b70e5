// A peer as etcd keeps it under `peers/<key>`: a small JSON document with what the config
// file's [Peer] section says, its limits included (as the same `Key = value` notes the
// file keeps: PeerSettings reads both alike).
import Addresses
import Config
import Foundation
import WireGuard

struct PeerDocument: Codable, Equatable {
    static let version = 1

    var version: Int
    var name: String?
    var publicKey: String
    var presharedKey: String?
    var endpoint: String?
    var allowedIPs: [String]
    var persistentKeepalive: UInt16?
    var notes: [Note]

    struct Note: Codable, Equatable {
        var key: String
        var value: String
    }

    enum CodingKeys: String, CodingKey {
        case version, name, endpoint, notes
        case publicKey = "public_key", presharedKey = "preshared_key", allowedIPs = "allowed_ips"
        case persistentKeepalive = "persistent_keepalive"
    }

    init(_ section: PeerSection) {
        version = Self.version
        name = section.name
        publicKey = section.publicKey.base64
        presharedKey = section.presharedKey?.base64
        endpoint = section.endpoint?.description
        allowedIPs = section.allowedIPs.map(\.description)
        persistentKeepalive = section.persistentKeepalive
        notes = section.notes.map { Note(key: $0.key, value: $0.value) }
    }

    func section() throws -> PeerSection {
        var section = PeerSection(name: name, publicKey: try Key(base64: publicKey),
                                  presharedKey: try presharedKey.map { try Key(base64: $0) },
                                  endpoint: try endpoint.map { try PeerEndpoint(parsing: $0) },
                                  allowedIPs: try allowedIPs.map { try IPPrefix(parsing: $0) },
                                  persistentKeepalive: persistentKeepalive)
        section.notes = notes.map { PeerNote(key: $0.key, value: $0.value) }
        return section
    }

    static func encode(_ section: PeerSection) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(PeerDocument(section))
    }

    static func decode(_ data: Data) throws -> PeerSection {
        let document = try JSONDecoder().decode(PeerDocument.self, from: data)
        guard document.version <= version else {
            throw EtcdStoreError.unreadableValue(key: document.publicKey, reason: "format version \(document.version); this tunnel reads \(version)")
        }
        return try document.section()
    }
}
