// A hook on a peer that decides, packet by packet, whether traffic to or from it may pass
// (a server's per-peer rate cap, DataPath's PeerRateLimiter). Declared here so the device
// can ask it where packets are handed to a peer for encryption, whichever way they came
// (the TUN, the NAT, another client), without the protocol module knowing about limits.
// A class-bound protocol: the call goes through a witness table and allocates nothing.
//
// Ownership: called on the device's queue only.
public protocol PeerTrafficGate: AnyObject {
    /// An inner packet of `bytes` to be encrypted to the peer at `now` (monotonic ns).
    func admitToPeer(bytes: Int, now: UInt64) -> Bool
    /// An inner packet of `bytes` decrypted from the peer.
    func admitFromPeer(bytes: Int, now: UInt64) -> Bool
}
