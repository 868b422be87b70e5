// The counters that last: one JSON file beside the server's config
// (`server.conf.usage.json`) mapping each peer's public key (base64, as in the config) to
// its PeerUsage. Written by the server every few seconds and at exit, read back at start
// and by `peer list` while the server is down.
//
// Crash safety comes from PrivateFile.replace: the new contents go to a 0600 temporary
// file made with O_EXCL in the same directory, are fsynced, renamed over the old file, and
// the directory is fsynced. A SIGKILL at any point leaves the old file or the new one,
// never a mix; at worst a stray temporary file, which the next save removes.
//
// Format, version 1:
//   {"peers": {"<public key>": {"rx_bytes": 1, "tx_bytes": 2, "usage_bytes": 3,
//    "period_start": "2027-01-01T00:00:00Z", "last_handshake": null}}, "version": 1}
import Foundation
import WireGuard

public final class UsageStore: UsageSink, @unchecked Sendable {
    public static let formatVersion = 1
    public static let fileSuffix = ".usage.json"

    public let path: String

    public init(path: String) { self.path = path }

    public var location: String { path }

    /// The store kept beside a server config: `/etc/tunnel/server.conf.usage.json`.
    public convenience init(serverConfigPath: String) { self.init(path: serverConfigPath + UsageStore.fileSuffix) }

    struct Document: Codable {
        var version: Int
        var peers: [String: PeerUsage]
    }

    /// Every peer's usage; empty when the file does not exist yet (a new server).
    public func load() throws -> [Key: PeerUsage] {
        guard PrivateFile.exists(path) else { return [:] }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw UsageStoreError.io(PrivateFileError(path: path, action: "read", reason: "\(error.localizedDescription)"))
        }
        return try decode(data)
    }

    /// Replaces the file with `usage`. Other writers (a `peer set --reset-usage` and the
    /// server) are serialised by the directory lock that config edits take too.
    public func save(_ usage: [Key: PeerUsage]) throws {
        let text = try encode(usage)
        do {
            try PrivateFile.withDirectoryLock(of: path) {
                removeStrayTemporaries()
                try PrivateFile.replace(path, contents: text)
            }
        } catch let error as PrivateFileError {
            throw UsageStoreError.io(error)
        }
    }

    func encode(_ usage: [Key: PeerUsage]) throws -> String {
        let document = Document(version: UsageStore.formatVersion,
                                peers: Dictionary(uniqueKeysWithValues: usage.map { ($0.key.base64, $0.value) }))
        let encoder = JSONEncoder()
        // Sorted and indented: the file diffs and greps well, and the same counters give the same bytes.
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(document), as: UTF8.self) + "\n"
    }

    func decode(_ data: Data) throws -> [Key: PeerUsage] {
        // One parse in the usual case (10,000 peers take 30 ms each); only a file that is
        // not a document of ours is read again for its version, to say which it is.
        struct VersionOnly: Decodable { var version: Int }
        let document: Document
        do { document = try JSONDecoder().decode(Document.self, from: data) } catch {
            if let version = try? JSONDecoder().decode(VersionOnly.self, from: data).version, version > UsageStore.formatVersion {
                throw UsageStoreError.unsupportedVersion(path: path, version: version)
            }
            throw UsageStoreError.damaged(path: path, reason: UsageStore.reason(error, size: data.count))
        }
        guard document.version <= UsageStore.formatVersion else {
            throw UsageStoreError.unsupportedVersion(path: path, version: document.version)
        }
        var usage: [Key: PeerUsage] = [:]
        for (text, entry) in document.peers {
            guard let key = try? Key(base64: text) else { throw UsageStoreError.badKey(path: path, key: text) }
            usage[key] = entry
        }
        return usage
    }

    /// A temporary file left by a writer killed before its rename. Only called under the
    /// directory lock, so no live writer owns one.
    private func removeStrayTemporaries() {
        let directory = PrivateFile.directory(of: path)
        let prefix = "." + (path.split(separator: "/").last.map(String.init) ?? path) + "."
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(prefix) && name.count == prefix.count + PrivateFile.temporarySuffixLength {
            unlink(directory + "/" + name)
        }
    }

    /// One line, without Foundation's nested error dump.
    private static func reason(_ error: Error, size: Int) -> String {
        if size == 0 { return "it is empty" }
        switch error {
        case DecodingError.dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not complete JSON" : "bad value at \(pathText(context.codingPath))"
        case DecodingError.keyNotFound(let key, let context):
            return "'\(key.stringValue)' missing" + (context.codingPath.isEmpty ? "" : " at \(pathText(context.codingPath))")
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong kind of value at \(pathText(context.codingPath))"
        default:
            return "\(error)"
        }
    }

    private static func pathText(_ path: [CodingKey]) -> String {
        path.map(\.stringValue).joined(separator: ".")
    }
}
