// One peer that a `set` request added, changed or removed, as the mode needs to hear of
// it: a server adds or removes routes for AllowedIPs outside its subnet and makes its NAT
// forget a removed client (by `id`, the number its NAT knows the client by).
import Addresses
import WireGuard

public struct PeerChange: Equatable, Sendable {
    public var publicKey: Key
    /// Peer.id: stable for the life of the peer.
    public var id: UInt32
    /// AllowedIPs before the request; nil when the request added the peer.
    public var allowedIPsBefore: [IPPrefix]?
    /// AllowedIPs after the request; nil when the request removed the peer.
    public var allowedIPsAfter: [IPPrefix]?

    public init(publicKey: Key, id: UInt32, allowedIPsBefore: [IPPrefix]?, allowedIPsAfter: [IPPrefix]?) {
        self.publicKey = publicKey
        self.id = id
        self.allowedIPsBefore = allowedIPsBefore
        self.allowedIPsAfter = allowedIPsAfter
    }

    public var wasAdded: Bool { allowedIPsBefore == nil }
    public var wasRemoved: Bool { allowedIPsAfter == nil }
}
