// What one `public_key=` block of a `set=1` request asks for. The same peer may appear in
// several blocks; the caller applies them in order.
import Addresses

public struct UAPIPeerChange: Equatable, Sendable {
    public var publicKey: UAPIKey
    /// Remove the peer; nothing else in the block matters then.
    public var remove: Bool
    /// Change the peer only if it exists; never create it.
    public var updateOnly: Bool
    /// nil: unchanged. An all-zero key removes the preshared key.
    public var presharedKey: UAPIKey?
    public var endpoint: Endpoint?
    /// nil: unchanged. 0 turns keepalives off.
    public var persistentKeepaliveInterval: UInt16?
    /// Drop the peer's allowed IPs before adding `allowedIPs`.
    public var replaceAllowedIPs: Bool
    /// Prefixes to add, as written (host bits included; mask with `.network`).
    public var allowedIPs: [IPPrefix]

    public init(publicKey: UAPIKey, remove: Bool = false, updateOnly: Bool = false, presharedKey: UAPIKey? = nil,
                endpoint: Endpoint? = nil, persistentKeepaliveInterval: UInt16? = nil,
                replaceAllowedIPs: Bool = false, allowedIPs: [IPPrefix] = []) {
        self.publicKey = publicKey
        self.remove = remove
        self.updateOnly = updateOnly
        self.presharedKey = presharedKey
        self.endpoint = endpoint
        self.persistentKeepaliveInterval = persistentKeepaliveInterval
        self.replaceAllowedIPs = replaceAllowedIPs
        self.allowedIPs = allowedIPs
    }
}
