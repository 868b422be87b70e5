// The outcome of ServerConfigFile.createIfMissing, for `tunnel server` to report.
import WireGuard

public struct ServerConfigCreation: Equatable, Sendable {
    /// False when the file already existed and was left as it was.
    public var created: Bool
    /// The server's public key (clients put it in their [Peer]).
    public var publicKey: Key

    public init(created: Bool, publicKey: Key) {
        self.created = created
        self.publicKey = publicKey
    }
}
