// One remote WireGuard peer as the engine sees it: its keys and handshake, up to three
// keypairs (previous, current, next), its endpoint, timers, staged packets and counters.
// Owned by the device's queue like everything else in the engine.
import Addresses

public final class Peer {
    /// Small and stable for the life of the peer: what a server's NAT knows the client by.
    public let id: UInt32
    public let publicKey: Key
    public internal(set) var name: String?
    public internal(set) var endpoint: Endpoint?
    public internal(set) var persistentKeepalive: UInt16 = 0

    var handshake: Handshake
    var cookie: PeerCookie
    var timers: PeerTimers {
        // Only the observer runs per packet: one branch while the peer is listed already.
        didSet { if timerSlot == nil, timers.nextDeadline != nil { armedTimers?.arm(self) } }
    }
    /// The list the device's tick polls, and this peer's place in it (nil: not listed).
    weak var armedTimers: ArmedTimers?
    var timerSlot: Int?
    /// The index under which the current handshake is registered, if any.
    var handshakeIndex: UInt32?
    var staged = StagedPackets()
    /// What a server's data path asks before it passes a packet to or from this peer (its
    /// rate cap); nil, as for every client's peer, costs one branch per packet. Set on the
    /// device's queue.
    public var trafficGate: PeerTrafficGate?

    /// The kernel's keypair slots: `next` is a responder's fresh keypair, unconfirmed
    /// until the initiator's first data arrives under it; `current` sends; `previous`
    /// still receives what was in flight during a rekey.
    var previous: Keypair?
    var current: Keypair?
    var next: Keypair?

    // Counters for status and `wg show`.
    public internal(set) var receivedBytes: UInt64 = 0
    public internal(set) var sentBytes: UInt64 = 0
    public internal(set) var handshakesSent: UInt64 = 0
    public internal(set) var handshakesReceived: UInt64 = 0
    public internal(set) var handshakesFailed: UInt64 = 0
    public internal(set) var drops = DropCounters()
    /// Wall-clock time of the latest completed handshake (for `wg show`), nil before any.
    public internal(set) var lastHandshake: TAI64N?
    /// See PeerConfiguration.checksSource.
    public internal(set) var checksSource: Bool

    init(id: UInt32, configuration: PeerConfiguration, timerConfiguration: TimerConfiguration,
         jitter: @escaping PeerTimers.JitterSource, armedTimers: ArmedTimers? = nil) {
        self.id = id
        self.armedTimers = armedTimers
        publicKey = configuration.publicKey
        name = configuration.name
        endpoint = configuration.endpoint
        checksSource = configuration.checksSource
        handshake = Handshake(remoteStatic: configuration.publicKey, presharedKey: configuration.presharedKey)
        cookie = PeerCookie(remoteStatic: configuration.publicKey)
        timers = PeerTimers(configuration: timerConfiguration, jitter: jitter)
    }

    /// A short name for logs: the configured name, else the start of the public key
    /// (public keys are not secret).
    public var displayName: String { name ?? String(publicKey.base64.prefix(8)) + "…" }

    public var presharedKey: Key { handshake.presharedKey }

    public var hasSession: Bool { current != nil }

    /// Every keypair this peer holds, for wiping and index cleanup.
    var keypairs: [Keypair] { [previous, current, next].compactMap { $0 } }
}
