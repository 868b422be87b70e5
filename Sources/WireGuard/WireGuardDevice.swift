// The protocol engine of one WireGuard interface: peers, cryptokey routing, the index
// table and the cookie checker, driven by three inputs (an outbound IP packet, an inbound
// datagram, the passing of time) and answering through DeviceOutput. Pure: no sockets, no
// threads, no clock; monotonic time comes in as nanoseconds, the wall clock (only needed
// for handshake timestamps) through an injected function. Not thread-safe: one owner
// (the reactor's queue) calls it.
//
// One file per concern, as the kernel does: this file holds state and peer management;
// WireGuardDevice+Send (send.c), +Receive (receive.c), +Handshake (noise glue and keypair
// rotation), +Timers (timers.c).
import Addresses

public struct DeviceConfiguration: Sendable {
    /// The tunnel interface's MTU: transport payloads are padded up to it at most.
    public var mtu: Int
    public var timers: TimerConfiguration
    /// Handshake messages per second above which the device answers with cookies
    /// instead of computing (the kernel's "under load").
    public var underLoadThreshold: Int
    /// Under load, handshake messages a second that may cost a Diffie-Hellman, from all
    /// sources together: a flood from many cookie-holding sources still leaves the
    /// queue to transport data (one DH is ~70 us here, so the default is ~15% of a core).
    public var handshakeBudgetPerSecond: UInt64
    /// Under load, cookie replies a second, from all sources together (spoofed sources
    /// each want one; each costs an XChaCha20-Poly1305 seal).
    public var cookieReplyBudgetPerSecond: UInt64
    /// Handshake messages a second the device examines at all (MACs, cookies); beyond
    /// this they are dropped unread, as the kernel drops them when its handshake queue
    /// is full, so a flood costs little more than reading it and transport keeps flowing.
    public var handshakeIntakePerSecond: UInt64

    public init(mtu: Int = 1420, timers: TimerConfiguration = .standard, underLoadThreshold: Int = 512,
                handshakeBudgetPerSecond: UInt64 = 2000, cookieReplyBudgetPerSecond: UInt64 = 10_000,
                handshakeIntakePerSecond: UInt64 = 20_000) {
        self.handshakeIntakePerSecond = handshakeIntakePerSecond
        self.mtu = mtu
        self.timers = timers
        self.underLoadThreshold = underLoadThreshold
        self.handshakeBudgetPerSecond = handshakeBudgetPerSecond
        self.cookieReplyBudgetPerSecond = cookieReplyBudgetPerSecond
    }
}

/// What an entry of the index table points to.
enum IndexOwner {
    case handshake(Peer)
    case keypair(Peer, Keypair)

    var peer: Peer {
        switch self {
        case .handshake(let p), .keypair(let p, _): return p
        }
    }
}

public final class WireGuardDevice {
    /// Bytes an outbound packet needs before it in its buffer (the transport header is
    /// written there) and after it (padding and the authentication tag).
    public static let headroom = TransportHeader.length
    public static let tailroom = TransportHeader.paddingMultiple + ChaChaPoly.tagLength
    /// Messages a batch of deferred cipher work holds before it is run early: a send
    /// batch's worth (128 slots) or a bit more, so a batch is usually done in one go.
    static let cipherBatchCapacity = 256

    public private(set) var identity: StaticIdentity
    public let configuration: DeviceConfiguration
    unowned let output: DeviceOutput
    let wallClock: () -> TAI64N
    let jitter: PeerTimers.JitterSource

    public private(set) var peers: [Peer] = []
    var peersByKey: [Key: Peer] = [:]
    /// The peers whose timers the tick must poll.
    let armedTimers = ArmedTimers()
    /// AllowedIPs map prefixes to peer identities; this resolves them in O(1).
    var peersByID: [ObjectIdentifier: Peer] = [:]
    var allowedIPs = AllowedIPs<ObjectIdentifier>()
    var indexTable = IndexTable<IndexOwner>()
    var cookieChecker: CookieChecker
    /// Scratch space for staged packets and keepalives, allocated once.
    let scratch: UnsafeMutableRawBufferPointer

    public internal(set) var drops = DropCounters()
    /// Set by the owner to share cipher work of a batch out over threads; nil keeps all
    /// of it on the caller's thread. Used only for datagrams the output holds
    /// (completeSeals) and datagrams received with deferred decryption (completeReceives).
    public var cipherLanes: CipherLanes?
    /// Encryption and decryption waiting for the end of the current batch.
    let pendingSeals = CipherBatch<SealJob>(capacity: WireGuardDevice.cipherBatchCapacity)
    let pendingOpens = CipherBatch<OpenJob>(capacity: WireGuardDevice.cipherBatchCapacity)
    /// Batches of cipher work that ran on more than one lane.
    public var cipherBatchesShared: UInt64 { pendingSeals.sharedRuns &+ pendingOpens.sharedRuns }
    /// Cookie replies sent (handshake messages that came under load without a valid MAC2).
    public internal(set) var cookieRepliesSent: UInt64 = 0
    /// Set by the I/O layer (or a test) to force cookie replies; the device also turns
    /// it on by itself when handshake messages arrive faster than the threshold.
    public var forceUnderLoad = false
    var handshakeWindowStart: UInt64 = 0
    private var nextPeerID: UInt32 = 0
    var handshakesInWindow = 0
    /// Once over the threshold, the device stays under load until this time (a flood
    /// does not get a fresh allowance at the start of every second).
    var underLoadUntil: UInt64 = 0
    /// Under load: per source, and for all sources together (see DeviceConfiguration).
    var handshakeLimiter = HandshakeRateLimiter()
    var handshakeBudget: TokenBucket
    var cookieReplyBudget: TokenBucket
    var handshakeIntake: TokenBucket
    var lastLimiterCollection: UInt64 = 0

    public init(privateKey: Key, configuration: DeviceConfiguration = DeviceConfiguration(), output: DeviceOutput,
                wallClock: @escaping () -> TAI64N, jitter: @escaping PeerTimers.JitterSource = PeerTimers.systemJitter) {
        identity = StaticIdentity(privateKey: privateKey)
        self.configuration = configuration
        self.output = output
        self.wallClock = wallClock
        self.jitter = jitter
        cookieChecker = CookieChecker(local: identity)
        handshakeBudget = TokenBucket(perSecond: configuration.handshakeBudgetPerSecond,
                                      burst: max(1, configuration.handshakeBudgetPerSecond / 10), now: 0)
        cookieReplyBudget = TokenBucket(perSecond: configuration.cookieReplyBudgetPerSecond,
                                        burst: max(1, configuration.cookieReplyBudgetPerSecond / 10), now: 0)
        handshakeIntake = TokenBucket(perSecond: configuration.handshakeIntakePerSecond,
                                      burst: max(1, configuration.handshakeIntakePerSecond / 10), now: 0)
        scratch = .allocate(byteCount: WireGuardDevice.headroom + InnerPacket.maximumLength + WireGuardDevice.tailroom, alignment: 16)
    }

    deinit {
        for peer in peers { retireAllKeys(of: peer) }
        scratch.deallocate()
    }

    public var publicKey: Key { identity.publicKey }

    /// Finishes deferred cipher work before something that may wipe keypairs. The I/O
    /// layer completes its batches itself; this guards every other way in.
    func completeCipherWork() {
        completeReceives()
        completeSeals()
    }

    // MARK: peers

    public func peer(for publicKey: Key) -> Peer? { peersByKey[publicKey] }

    /// Adds a peer, or updates the one with the same public key (keeping its sessions).
    /// Our own public key is not a valid peer (the protocol cannot talk to itself).
    @discardableResult
    public func setPeer(_ config: PeerConfiguration, now: UInt64) -> Peer? {
        guard config.publicKey != identity.publicKey else { return nil }
        let peer: Peer
        if let existing = peersByKey[config.publicKey] {
            peer = existing
            peer.name = config.name ?? peer.name
            if config.endpoint != nil { peer.endpoint = config.endpoint }
            peer.checksSource = config.checksSource
            peer.handshake.presharedKey = config.presharedKey ?? Key(bytes: [UInt8](repeating: 0, count: Key.byteCount))
            allowedIPs.removeAll(for: ObjectIdentifier(peer))
        } else {
            nextPeerID &+= 1
            peer = Peer(id: nextPeerID, configuration: config, timerConfiguration: configuration.timers, jitter: jitter,
                        armedTimers: armedTimers)
            peers.append(peer)
            peersByKey[config.publicKey] = peer
            peersByID[ObjectIdentifier(peer)] = peer
        }
        for prefix in config.allowedIPs { allowedIPs.insert(prefix, ObjectIdentifier(peer)) }
        setPersistentKeepalive(config.persistentKeepalive, for: peer, now: now)
        return peer
    }

    public func setPersistentKeepalive(_ seconds: UInt16, for peer: Peer, now: UInt64) {
        peer.persistentKeepalive = seconds
        peer.timers.setPersistentKeepaliveInterval(seconds, now: now)
    }

    public func setEndpoint(_ endpoint: Endpoint?, for peer: Peer) { peer.endpoint = endpoint }

    public func addAllowedIP(_ prefix: IPPrefix, for peer: Peer) { allowedIPs.insert(prefix, ObjectIdentifier(peer)) }

    public func removeAllowedIPs(of peer: Peer) { allowedIPs.removeAll(for: ObjectIdentifier(peer)) }

    /// The peer's prefixes, sorted; costs that peer's prefixes, not every peer's.
    public func allowedIPs(of peer: Peer) -> [IPPrefix] { allowedIPs.prefixes(for: ObjectIdentifier(peer)) }

    /// The peer holding exactly this prefix (not a longer or shorter one), if any.
    public func peer(owning prefix: IPPrefix) -> Peer? {
        allowedIPs.value(exactly: prefix).flatMap { peer(withID: $0) }
    }

    /// Removes a peer: its keys are wiped, its indices and routes forgotten.
    public func removePeer(_ publicKey: Key) {
        removePeers([publicKey])
    }

    /// Removes several peers with one pass over the peer list (removing them one by one
    /// would cost peers x removed).
    public func removePeers(_ publicKeys: Set<Key>) {
        completeCipherWork()
        var gone = Set<ObjectIdentifier>()
        for key in publicKeys {
            guard let peer = peersByKey.removeValue(forKey: key) else { continue }
            retireAllKeys(of: peer)
            peer.timers.stop()
            armedTimers.disarm(peer)
            peer.staged.removeAll()
            allowedIPs.removeAll(for: ObjectIdentifier(peer))
            peersByID.removeValue(forKey: ObjectIdentifier(peer))
            gone.insert(ObjectIdentifier(peer))
        }
        if !gone.isEmpty { peers.removeAll { gone.contains(ObjectIdentifier($0)) } }
    }

    /// A new private key invalidates every session and every handshake in flight.
    public func setPrivateKey(_ key: Key) {
        completeCipherWork()
        guard !identity.secretKey.equals(key) else { return }
        identity = StaticIdentity(privateKey: key)
        cookieChecker = CookieChecker(local: identity)
        for peer in peers { retireAllKeys(of: peer) }
        if let own = peersByKey[identity.publicKey] { removePeer(own.publicKey) }
    }

    /// The peer whose AllowedIPs hold `address`, for the I/O layer (e.g. a server NAT).
    public func peer(routing address: IPAddress) -> Peer? {
        guard let id = allowedIPs.lookup(address) else { return nil }
        return peer(withID: id)
    }

    @inline(__always)
    func peer(withID id: ObjectIdentifier) -> Peer? { peersByID[id] }

    /// Wipes every keypair and the handshake of a peer and forgets their indices.
    func retireAllKeys(of peer: Peer) {
        for kp in peer.keypairs { retire(kp) }
        peer.previous = nil
        peer.current = nil
        peer.next = nil
        clearHandshake(of: peer)
    }

    func retire(_ keypair: Keypair) {
        indexTable.remove(keypair.localIndex)
        keypair.wipe()
    }

    func clearHandshake(of peer: Peer) {
        if let index = peer.handshakeIndex {
            if case .handshake? = indexTable.lookup(index) { indexTable.remove(index) }
            peer.handshakeIndex = nil
        }
        peer.handshake.clear()
    }
}
