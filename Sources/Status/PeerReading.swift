// One peer's raw values, copied on the queue that owns the device so that the control
// socket's answer can be built off it: small values and copy-on-write references only
// (the drop counters are shared, not copied), so copying thousands costs little.
import Addresses
import WireGuard

struct PeerReading {
    let publicKey: Key
    let presharedKey: Key
    let endpoint: Endpoint?
    let allowedIPs: [IPPrefix]
    let lastHandshake: TAI64N?
    let receivedBytes: UInt64
    let sentBytes: UInt64
    let persistentKeepalive: UInt16
    let name: String?
    let handshakesSent: UInt64
    let handshakesReceived: UInt64
    let handshakesFailed: UInt64
    let drops: DropCounters
    let hasSession: Bool

    /// On the device's queue.
    init(_ peer: Peer, device: WireGuardDevice) {
        publicKey = peer.publicKey
        presharedKey = peer.presharedKey
        endpoint = peer.endpoint
        allowedIPs = device.allowedIPs(of: peer)
        lastHandshake = peer.lastHandshake
        receivedBytes = peer.receivedBytes
        sentBytes = peer.sentBytes
        persistentKeepalive = peer.persistentKeepalive
        name = peer.name
        handshakesSent = peer.handshakesSent
        handshakesReceived = peer.handshakesReceived
        handshakesFailed = peer.handshakesFailed
        drops = peer.drops
        hasSession = peer.hasSession
    }
}
