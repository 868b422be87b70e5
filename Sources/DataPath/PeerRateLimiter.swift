// One peer's rate cap (`peer set --rate`), both directions: a ByteTokenBucket for what the
// client uploads (checked by ServerRouter.routeFromPeer after decryption) and one for what
// it downloads (checked by the device where any packet is handed to the peer for
// encryption). Each inner IP packet is charged its own length; with offloads a super-packet
// is cut into segments before either check, so every segment is charged alike whichever
// way it came, and the cap counts the same bytes with offloads on or off.
//
// Ownership: the reactor's queue (the device's), like the Peer it hangs on.
import WireGuard

public final class PeerRateLimiter: PeerTrafficGate {
    public let bitsPerSecond: UInt64
    private var fromPeer: ByteTokenBucket
    private var toPeer: ByteTokenBucket
    /// Packets dropped each way, for status.
    public private(set) var droppedFromPeer: UInt64 = 0
    public private(set) var droppedToPeer: UInt64 = 0

    public init(bitsPerSecond: UInt64, now: UInt64) {
        self.bitsPerSecond = bitsPerSecond
        fromPeer = ByteTokenBucket(bitsPerSecond: bitsPerSecond, now: now)
        toPeer = ByteTokenBucket(bitsPerSecond: bitsPerSecond, now: now)
    }

    public func admitToPeer(bytes: Int, now: UInt64) -> Bool {
        if toPeer.admit(bytes: bytes, now: now) { return true }
        droppedToPeer &+= 1
        return false
    }

    public func admitFromPeer(bytes: Int, now: UInt64) -> Bool {
        if fromPeer.admit(bytes: bytes, now: now) { return true }
        droppedFromPeer &+= 1
        return false
    }

    /// Puts a cap of `bitsPerSecond` (nil: none) on `peer`, keeping a cap that is already
    /// the same (and its bucket's state), so a config reload does not refill it. True when
    /// the cap changed.
    @discardableResult
    public static func apply(bitsPerSecond: UInt64?, to peer: Peer, now: UInt64) -> Bool {
        let current = peer.trafficGate as? PeerRateLimiter
        guard current?.bitsPerSecond != bitsPerSecond else { return false }
        peer.trafficGate = bitsPerSecond.map { PeerRateLimiter(bitsPerSecond: $0, now: now) }
        return true
    }
}
