// Where runs keep their SetupState (IFACE.state, JSON) and the backup of resolv.conf
// (IFACE.resolv.conf). The directory is the program's own, so files in it are replaced by
// rename (unlike resolv.conf itself). Interface names, routes and sysctls belong to a
// network namespace while /run does not, so each namespace gets a directory of its own
// under the root. Root acts on what these files say: the directories and files must be
// root's own and writable by no one else (OwnedPath), and a file must describe only what
// the program itself does (names it uses, sysctls it sets, the backup path it derives).
import Control
import Foundation

public struct StateDirectory: Equatable, Sendable {
    /// Under /run: cleared at boot, when everything it describes is gone anyway.
    public static let defaultPath = "/run/tunnel"
    static let stateSuffix = ".state"
    static let resolvConfSuffix = ".resolv.conf"
    static let namespacePrefix = "netns-"

    public let path: String
    /// The shared directory that `path` is one namespace's part of; checked as well.
    public let root: String?

    public init(path: String = StateDirectory.defaultPath) {
        self.path = path
        root = nil
    }

    init(path: String, root: String?) {
        self.path = path
        self.root = root
    }

    /// The calling thread's network namespace's directory under `root`, named after the
    /// namespace's cookie, which no later namespace gets (its inode, only where the kernel
    /// has no cookies: a reused inode would then share the directory).
    public static func forCurrentNamespace(root: String = StateDirectory.defaultPath) -> StateDirectory {
        let key = RunOwner.currentNetworkNamespaceCookie().map { "\(namespacePrefix)\($0)" }
            ?? "\(namespacePrefix)inode-\(RunOwner.currentNetworkNamespace() ?? 0)"
        return StateDirectory(path: "\(root)/\(key)", root: root)
    }

    /// Every namespace's directory under the same root (this one alone when it has none),
    /// for what is shared between namespaces: a server's config file.
    func allNamespaces() throws -> [StateDirectory] {
        guard let root else { return [self] }
        guard try OwnedPath.checkDirectory(root, create: false) else { return [] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.filter { $0.hasPrefix(Self.namespacePrefix) }.sorted()
            .map { StateDirectory(path: "\(root)/\($0)", root: root) }
    }

    public func statePath(for interface: String) -> String { "\(path)/\(interface)\(Self.stateSuffix)" }

    public func resolvConfBackupPath(for interface: String) -> String {
        "\(path)/\(interface)\(Self.resolvConfSuffix)"
    }

    /// Writes the state (replacing any older one) before the run changes anything.
    func save(_ state: SetupState) throws {
        let file = statePath(for: state.interfaceName)
        try Self.checkName(state.interfaceName, file: file)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do { data = try encoder.encode(state) } catch { throw NetworkSetupError.failed("write \(file)", error) }
        try write(data, to: file)
    }

    func saveBackup(_ content: String, for interface: String) throws -> String {
        let file = resolvConfBackupPath(for: interface)
        try Self.checkName(interface, file: file)
        try write(Data(content.utf8), to: file)
        return file
    }

    private func write(_ data: Data, to file: String) throws {
        do {
            try createIfMissing()
            do {
                try Self.replace(file, with: data)
            } catch {
                // Another run here may have removed the emptied directory in between.
                try createIfMissing()
                try Self.replace(file, with: data)
            }
        } catch {
            throw NetworkSetupError.failed("write \(file)", error)
        }
    }

    /// Beside each file while it is written, then renamed over it. A name of our own, not
    /// Foundation's random one: a run that dies mid-write leaves a file that the next
    /// write replaces and `remove` deletes (a random one was left for good, and kept the
    /// namespace's directory from going with its last file).
    static let temporarySuffix = ".new"

    private static func replace(_ file: String, with data: Data) throws {
        let temporary = file + temporarySuffix
        // Made anew (a leftover keeps its own mode and owner when merely truncated).
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var failure: Int32 = 0
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { failure = n < 0 ? errno : EIO; return }
            }
        }
        if close(fd) != 0 && failure == 0 { failure = errno }
        if failure == 0 && rename(temporary, file) != 0 { failure = errno }
        guard failure == 0 else {
            unlink(temporary)
            throw POSIXError(POSIXErrorCode(rawValue: failure) ?? .EIO)
        }
    }

    /// The state a run on `interface` left; nil when there is none. Refused when the
    /// directory or file is not root's own, or the file describes what the program never does.
    func load(for interface: String) throws -> SetupState? {
        let file = statePath(for: interface)
        try Self.checkName(interface, file: file)
        guard try checkDirectories(create: false), let data = try OwnedPath.read(file) else { return nil }
        let state: SetupState
        do {
            state = try JSONDecoder().decode(SetupState.self, from: data)
        } catch {
            throw NetworkSetupError.unreadableState(path: file, reason: "\(error)")
        }
        try validate(state, interface: interface, file: file)
        return state
    }

    /// The original resolv.conf a run saved, read only from the path this directory derives.
    func loadBackup(for interface: String) throws -> String? {
        let file = resolvConfBackupPath(for: interface)
        try Self.checkName(interface, file: file)
        guard try checkDirectories(create: false), let data = try OwnedPath.read(file) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Interfaces that have a state file here; refused when the directory is not root's own.
    func interfaces() throws -> [String] {
        guard try checkDirectories(create: false) else { return [] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { $0.hasSuffix(Self.stateSuffix) }
            .map { String($0.dropLast(Self.stateSuffix.count)) }
            .filter(UAPISocketPath.isValidInterfaceName).sorted()
    }

    /// Interfaces that have a state file here; none when the directory cannot be trusted.
    func recordedInterfaces() -> [String] { (try? interfaces()) ?? [] }

    /// Removes the state and the backup of one interface; missing files are fine.
    func remove(for interface: String) {
        guard UAPISocketPath.isValidInterfaceName(interface) else { return }
        for file in [statePath(for: interface), resolvConfBackupPath(for: interface)] {
            try? FileManager.default.removeItem(atPath: file)
            try? FileManager.default.removeItem(atPath: file + Self.temporarySuffix)
        }
        // A namespace's directory goes with its last file (the kernel refuses while any is left).
        if root != nil { rmdir(path) }
    }

    private func createIfMissing() throws {
        try checkDirectories(create: true)
    }

    /// False when the directory does not exist (and `create` is false).
    @discardableResult
    private func checkDirectories(create: Bool) throws -> Bool {
        let top = root ?? path
        if create {
            let parent = (top as NSString).deletingLastPathComponent
            if !parent.isEmpty { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
        }
        if let root, try !OwnedPath.checkDirectory(root, create: create) { return false }
        return try OwnedPath.checkDirectory(path, create: create)
    }

    /// A name becomes a path: it must be one the kernel accepts, which holds no '/'.
    private static func checkName(_ interface: String, file: String) throws {
        guard UAPISocketPath.isValidInterfaceName(interface) else {
            throw NetworkSetupError.invalidState(path: file, reason: "'\(interface)' is not a valid interface name")
        }
    }

    /// What a state file may say: its own interface, only sysctls the program sets (to
    /// small numbers), only the backup path derived here.
    private func validate(_ state: SetupState, interface: String, file: String) throws {
        guard state.interfaceName == interface else {
            throw NetworkSetupError.invalidState(path: file, reason: "it names interface '\(state.interfaceName)'")
        }
        for (name, value) in state.originalSysctls {
            guard SysctlSetting.restorableNames.contains(name) else {
                throw NetworkSetupError.invalidState(path: file, reason: "tunnel never sets the sysctl '\(name)'")
            }
            guard SysctlSetting.isRestorableValue(value) else {
                throw NetworkSetupError.invalidState(path: file, reason: "'\(value)' is not a value tunnel restores for \(name)")
            }
        }
        for name in state.neededSysctls ?? [] where !SysctlSetting.restorableNames.contains(name) {
            throw NetworkSetupError.invalidState(path: file, reason: "tunnel never sets the sysctl '\(name)'")
        }
        if let backup = state.resolvConfBackupPath, backup != resolvConfBackupPath(for: interface) {
            throw NetworkSetupError.invalidState(path: file, reason: "its resolv.conf backup path \(backup) is not this directory's")
        }
    }
}
