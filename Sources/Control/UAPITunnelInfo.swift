// What `tunnel status` shows beyond WireGuard's own keys: the interface name, the role,
// the tunnel addresses and device-wide counters (NAT table, sessions). Carried only in
// answers to `get=tunnel`; empty in a plain `get=1` snapshot.
import Addresses

public struct UAPITunnelInfo: Equatable, Sendable {
    public var name: String?
    /// "client" or "server".
    public var role: String?
    public var addresses: [IPPrefix]
    public var counters: [UAPICounter]

    public init(name: String? = nil, role: String? = nil, addresses: [IPPrefix] = [], counters: [UAPICounter] = []) {
        self.name = name
        self.role = role
        self.addresses = addresses
        self.counters = counters
    }

    public var isEmpty: Bool { name == nil && role == nil && addresses.isEmpty && counters.isEmpty }
}
