// What a peer is, as configured (wg-quick [Peer], UAPI set): the engine's input.
import Addresses

public struct PeerConfiguration: Sendable {
    public var publicKey: Key
    public var presharedKey: Key?
    public var endpoint: Endpoint?
    public var allowedIPs: [IPPrefix]
    /// Seconds; 0 is off.
    public var persistentKeepalive: UInt16
    /// A person's name for the peer (from a `# Name =` comment), for logs and status.
    public var name: String?

    public init(publicKey: Key, presharedKey: Key? = nil, endpoint: Endpoint? = nil, allowedIPs: [IPPrefix] = [],
                persistentKeepalive: UInt16 = 0, name: String? = nil) {
        self.publicKey = publicKey
        self.presharedKey = presharedKey
        self.endpoint = endpoint
        self.allowedIPs = allowedIPs
        self.persistentKeepalive = persistentKeepalive
        self.name = name
    }
}
