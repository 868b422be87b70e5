// The server's pending invitations: a JSON file beside its config
// (`server.conf.invites.json`, mode 0600), edited under the same directory lock as the
// config and replaced atomically (FilePeerStore). An enrolment removes its invite here, durably, before
// the server answers: a code works once, whatever crashes or races follow.
import Foundation

public enum InviteStore {
    static let version = 1

    struct File: Codable {
        var version: Int
        var invites: [Invite]
    }

    public static func path(forConfig configPath: String) -> String { configPath + ".invites.json" }

    /// The invites in the file; none when there is no file.
    public static func load(configPath: String) throws -> [Invite] {
        let path = path(forConfig: configPath)
        guard PrivateFile.exists(path) else { return [] }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw InviteStoreError.unreadable(path: path, reason: "\(error.localizedDescription)")
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw InviteStoreError.unreadable(path: path, reason: "not an invites file (\(error))")
        }
        guard file.version == version else {
            throw InviteStoreError.unreadable(path: path, reason: "version \(file.version); this tunnel reads \(version)")
        }
        return file.invites
    }

    /// Replaces the file with `invites`; the caller holds the directory lock.
    static func save(_ invites: [Invite], configPath: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(File(version: version, invites: invites))
        try PrivateFile.replace(path(forConfig: configPath), contents: String(decoding: data, as: UTF8.self) + "\n")
    }
}
