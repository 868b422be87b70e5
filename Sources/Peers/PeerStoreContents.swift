// What a PeerStore holds, as one value: the peers in a WireGuardConfig (whose
// [Interface] is the local file's), and the pending invites.
import Config

public struct PeerStoreContents: Equatable, Sendable {
    public var config: WireGuardConfig
    public var invites: [Invite]

    public init(config: WireGuardConfig, invites: [Invite] = []) {
        self.config = config
        self.invites = invites
    }

    public var peers: [PeerSection] {
        get { config.peers }
        set { config.peers = newValue }
    }
}
