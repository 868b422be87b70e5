// Where client runs keep their SetupState (IFACE.state, JSON) and the
// backup of resolv.conf (IFACE.resolv.conf). The directory is the client's own,
// so files in it are replaced by rename (unlike resolv.conf itself).
import Foundation

public struct StateDirectory: Equatable, Sendable {
    /// Under /run: cleared at boot, when everything it describes is gone anyway.
    public static let defaultPath = "/run/tunnel"
    static let stateSuffix = ".state"
    static let resolvConfSuffix = ".resolv.conf"

    public let path: String

    public init(path: String = StateDirectory.defaultPath) { self.path = path }

    public func statePath(for interface: String) -> String { "\(path)/\(interface)\(Self.stateSuffix)" }

    public func resolvConfBackupPath(for interface: String) -> String {
        "\(path)/\(interface)\(Self.resolvConfSuffix)"
    }

    /// Writes the state (replacing any older one) before the run changes anything.
    func save(_ state: SetupState) throws {
        let file = statePath(for: state.interfaceName)
        do {
            try createIfMissing()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(state).write(to: URL(fileURLWithPath: file), options: .atomic)
        } catch {
            throw NetworkSetupError.failed("write \(file)", error)
        }
    }

    func saveBackup(_ content: String, for interface: String) throws -> String {
        let file = resolvConfBackupPath(for: interface)
        do {
            try createIfMissing()
            try Data(content.utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
        } catch {
            throw NetworkSetupError.failed("write \(file)", error)
        }
        return file
    }

    /// The state a run on `interface` left; nil when there is none.
    func load(for interface: String) throws -> SetupState? {
        let file = statePath(for: interface)
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        do {
            return try JSONDecoder().decode(SetupState.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
        } catch {
            throw NetworkSetupError.unreadableState(path: file, reason: "\(error)")
        }
    }

    /// Interfaces that have a state file here.
    func recordedInterfaces() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { $0.hasSuffix(Self.stateSuffix) }
            .map { String($0.dropLast(Self.stateSuffix.count)) }.sorted()
    }

    /// Removes the state and the backup of one interface; missing files are fine.
    func remove(for interface: String) {
        for file in [statePath(for: interface), resolvConfBackupPath(for: interface)] {
            try? FileManager.default.removeItem(atPath: file)
        }
    }

    private func createIfMissing() throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
    }
}
