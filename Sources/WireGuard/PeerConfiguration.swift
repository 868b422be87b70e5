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
    /// False for a peer whose packets may carry any source address because the output
    /// decides what they are, not the routes (a client enrolling with an invite code,
    /// which has no address yet). Such a peer has no AllowedIPs: nothing is routed to it.
    public var checksSource: Bool

    public init(publicKey: Key, presharedKey: Key? = nil, endpoint: Endpoint? = nil, allowedIPs: [IPPrefix] = [],
                persistentKeepalive: UInt16 = 0, name: String? = nil, checksSource: Bool = true) {
        self.checksSource = checksSource
        self.publicKey = publicKey
        self.presharedKey = presharedKey
        self.endpoint = endpoint
        self.allowedIPs = allowedIPs
        self.persistentKeepalive = persistentKeepalive
        self.name = name
    }
}
