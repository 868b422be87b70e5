// The outcome of ServerConfigFile.createIfMissing, for `tunnel server` to report.
import Config
import WireGuard

public struct ServerConfigCreation: Equatable, Sendable {
    /// False when the file already existed and was left as it was.
    public var created: Bool
    /// The server's public key (clients put it in their [Peer]).
    public var publicKey: Key
    /// The file as read when it existed, so the server does not read and parse it twice
    /// (10,000 peers take a tenth of a second each time); nil when it was just created.
    public var existing: WireGuardConfig?

    public init(created: Bool, publicKey: Key, existing: WireGuardConfig? = nil) {
        self.created = created
        self.publicKey = publicKey
        self.existing = existing
    }
}
