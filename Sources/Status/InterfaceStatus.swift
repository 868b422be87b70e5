// One running tunnel as `tunnel status` shows it. Fields the tunnel did not report (a
// plain WireGuard implementation answers no `tunnel_*` keys) are nil.
import Addresses
import Control

public struct InterfaceStatus: Equatable, Sendable {
    public var name: String
    public var role: String?
    /// Base64; nil when the interface has no private key.
    public var publicKey: String?
    public var listenPort: UInt16?
    public var fwmark: UInt32?
    public var addresses: [IPPrefix]
    public var peerCount: UInt64?
    /// Peers with a current session.
    public var sessions: UInt64?
    public var drops: [DropCount]
    public var nat: NATStatus?
    /// Device counters this version does not know, shown as they came.
    public var otherCounters: [UAPICounter]
    public var peers: [PeerStatus]

    public init(name: String, role: String? = nil, publicKey: String? = nil, listenPort: UInt16? = nil,
                fwmark: UInt32? = nil, addresses: [IPPrefix] = [], peerCount: UInt64? = nil, sessions: UInt64? = nil,
                drops: [DropCount] = [], nat: NATStatus? = nil, otherCounters: [UAPICounter] = [],
                peers: [PeerStatus] = []) {
        self.name = name
        self.role = role
        self.publicKey = publicKey
        self.listenPort = listenPort
        self.fwmark = fwmark
        self.addresses = addresses
        self.peerCount = peerCount
        self.sessions = sessions
        self.drops = drops
        self.nat = nat
        self.otherCounters = otherCounters
        self.peers = peers
    }
}
