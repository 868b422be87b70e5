// The peer store of a server on its own: the wg-quick config file (its [Peer] sections,
// limits as `# Key = value` notes), the invites file and the usage file beside it. Every
// edit holds the config directory's lock; a running server sees the rewritten file
// within a second (ServerPeerSync).
import Config
import WireGuard

public final class FilePeerStore: PeerStore {
    public let configPath: String

    public init(configPath: String = ServerConfigFile.defaultPath) {
        self.configPath = configPath
    }

    public var location: String { configPath }

    public func read() throws -> PeerStoreContents {
        PeerStoreContents(config: try ServerConfigFile.load(path: configPath),
                          invites: try InviteStore.load(configPath: configPath))
    }

    /// The invites file is written before the config: an enrolment's burnt invite is on
    /// disk before its peer, so a crash in between loses the enrolment but never lets the
    /// code work twice. Each file is rewritten only when its part changed.
    public func update<T>(_ change: (inout PeerStoreContents) throws -> T) throws -> T {
        guard ServerConfigFile.exists(configPath) else { throw PeerManagementError.noServerConfig(path: configPath) }
        return try PrivateFile.withDirectoryLock(of: configPath) {
            let before = try read()
            var after = before
            let result = try change(&after)
            if after.invites != before.invites { try InviteStore.save(after.invites, configPath: configPath) }
            if after.config.peers != before.config.peers {
                var config = before.config
                config.peers = after.config.peers
                try ServerConfigFile.save(config, path: configPath)
            }
            return result
        }
    }

    public func usage() throws -> [Key: PeerUsage] {
        try UsageStore(serverConfigPath: configPath).load()
    }
}
