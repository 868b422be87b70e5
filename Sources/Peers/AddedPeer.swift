// What adding a client produced: the [Peer] now in the server's config, and the
// client's own complete wg-quick config.
import Addresses
import Config

public struct AddedPeer: Equatable, Sendable {
    /// As appended to the server's config.
    public var serverPeer: PeerSection
    /// The client's config: [Interface] with its private key and addresses, one [Peer]
    /// (the server).
    public var clientConfig: WireGuardConfig

    public var name: String { serverPeer.name ?? "" }
    /// The client's tunnel addresses (one per server subnet).
    public var addresses: [IPAddress] { serverPeer.allowedIPs.map(\.address) }
    /// wg-quick text for `tunnel client`, `wg-quick` and the WireGuard apps.
    public var clientConfigText: String { clientConfig.render(.wgQuick) }
}
