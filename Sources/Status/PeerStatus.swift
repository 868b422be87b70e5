// One peer of a running tunnel as `tunnel status` shows it, with raw numbers: bytes,
// Unix seconds, seconds. Never a preshared key, only whether there is one.
import Addresses

public struct PeerStatus: Equatable, Sendable {
    /// Base64, as in config files and `wg show`.
    public var publicKey: String
    public var name: String?
    public var hasPresharedKey: Bool
    public var endpoint: Endpoint?
    public var allowedIPs: [IPPrefix]
    /// Unix seconds of the latest handshake; nil before any.
    public var latestHandshake: Int64?
    public var rxBytes: UInt64
    public var txBytes: UInt64
    /// Seconds; 0 is off.
    public var persistentKeepalive: UInt16
    /// nil when the tunnel did not report them (a plain WireGuard implementation).
    public var handshakes: HandshakeCounts?
    public var drops: [DropCount]
    /// Under a server's limits (nil from a client, or a plain WireGuard): the state
    /// (`active`, `disabled`, `expired`, `over-quota`), bytes both ways in the quota
    /// period, the quota, the rate cap (bits per second each way), the expiry (Unix seconds).
    public var state: String?
    public var usageBytes: UInt64?
    public var quotaBytes: UInt64?
    public var rateBits: UInt64?
    public var expires: Int64?

    public init(publicKey: String, name: String? = nil, hasPresharedKey: Bool = false, endpoint: Endpoint? = nil,
                allowedIPs: [IPPrefix] = [], latestHandshake: Int64? = nil, rxBytes: UInt64 = 0, txBytes: UInt64 = 0,
                persistentKeepalive: UInt16 = 0, handshakes: HandshakeCounts? = nil, drops: [DropCount] = []) {
        self.publicKey = publicKey
        self.name = name
        self.hasPresharedKey = hasPresharedKey
        self.endpoint = endpoint
        self.allowedIPs = allowedIPs
        self.latestHandshake = latestHandshake
        self.rxBytes = rxBytes
        self.txBytes = txBytes
        self.persistentKeepalive = persistentKeepalive
        self.handshakes = handshakes
        self.drops = drops
    }
}
