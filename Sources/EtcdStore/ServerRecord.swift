// What `servers/<id>` says of a running server, under its lease: who is up, where, and
// since when. `tunnel peer list --servers` style tooling and people with etcdctl read it.
import Foundation

struct ServerRecord: Codable, Equatable {
    var listen: String
    var version: String
    var started: String
    var publicKey: String

    enum CodingKeys: String, CodingKey {
        case listen, version, started
        case publicKey = "public_key"
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }
}
