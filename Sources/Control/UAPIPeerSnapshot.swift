// One peer as a `get` answer describes it. `name` and `counters` are this program's
// extension (per-peer drops by reason, handshakes) and travel only in `get=tunnel`.
import Addresses

public struct UAPIPeerSnapshot: Equatable, Sendable {
    public static let currentProtocolVersion = 1

    public var publicKey: UAPIKey
    /// nil when the peer has none (the wire carries zeros then).
    public var presharedKey: UAPIKey?
    public var endpoint: Endpoint?
    public var allowedIPs: [IPPrefix]
    /// Wall-clock time of the latest handshake (Unix epoch); 0/0 for never.
    public var lastHandshakeTimeSec: Int64
    public var lastHandshakeTimeNsec: Int64
    public var rxBytes: UInt64
    public var txBytes: UInt64
    /// Seconds; 0 is off.
    public var persistentKeepaliveInterval: UInt16
    public var protocolVersion: Int
    public var name: String?
    /// The peer's state under a server's limits (`active`, `disabled`, ...); nil elsewhere.
    public var state: String?
    /// A peer the server knows but keeps off its device (disabled, expired, over quota):
    /// answered only to `get=tunnel`, since to `wg` it is not a peer of the interface.
    public var offDevice = false
    public var counters: [UAPICounter]

    public init(publicKey: UAPIKey, presharedKey: UAPIKey? = nil, endpoint: Endpoint? = nil,
                allowedIPs: [IPPrefix] = [], lastHandshakeTimeSec: Int64 = 0, lastHandshakeTimeNsec: Int64 = 0,
                rxBytes: UInt64 = 0, txBytes: UInt64 = 0, persistentKeepaliveInterval: UInt16 = 0,
                protocolVersion: Int = UAPIPeerSnapshot.currentProtocolVersion,
                name: String? = nil, counters: [UAPICounter] = []) {
        self.publicKey = publicKey
        self.presharedKey = presharedKey
        self.endpoint = endpoint
        self.allowedIPs = allowedIPs
        self.lastHandshakeTimeSec = lastHandshakeTimeSec
        self.lastHandshakeTimeNsec = lastHandshakeTimeNsec
        self.rxBytes = rxBytes
        self.txBytes = txBytes
        self.persistentKeepaliveInterval = persistentKeepaliveInterval
        self.protocolVersion = protocolVersion
        self.name = name
        self.counters = counters
    }
}
