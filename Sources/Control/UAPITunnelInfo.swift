// What `tunnel status` shows beyond WireGuard's own keys: the interface name, the role,
// the tunnel addresses and device-wide counters (NAT table, sessions). Carried only in
// answers to `get=tunnel`; empty in a plain `get=1` snapshot.
import Addresses

public struct UAPITunnelInfo: Equatable, Sendable {
    public var name: String?
    /// "client" or "server".
    public var role: String?
    /// The device's public key, so a reader need not derive it from the private key.
    public var publicKey: UAPIKey?
    public var addresses: [IPPrefix]
    public var counters: [UAPICounter]

    public init(name: String? = nil, role: String? = nil, publicKey: UAPIKey? = nil, addresses: [IPPrefix] = [],
                counters: [UAPICounter] = []) {
        self.name = name
        self.role = role
        self.publicKey = publicKey
        self.addresses = addresses
        self.counters = counters
    }

    public var isEmpty: Bool { name == nil && role == nil && publicKey == nil && addresses.isEmpty && counters.isEmpty }
}
