// What a mode tells the control socket about itself beyond the WireGuard device: the
// interface name, its role, its tunnel addresses and its own counters (a server's NAT
// table, for one). The bridge adds the device's drop and session counters itself.
//
// Built by a closure the mode hands to UAPIBridge; called on the reactor's queue, except
// `buildPeers`, called on the control queue.
import Addresses
import Control
import WireGuard

public struct TunnelStatusInfo: Sendable {
    public var name: String
    public var role: TunnelRole
    public var addresses: [IPPrefix]
    /// Extra device-level counters, named with StatusCounterName (e.g. StatusCounterName.nat(_:)).
    public var counters: [UAPICounter]
    /// A server's peers under limits, by public key, including those kept off the device.
    /// Built when the answer is, on the control queue, from copies the mode took on the
    /// reactor's: for 10,000 peers building them is milliseconds the data path need not wait.
    public var buildPeers: @Sendable () -> [Key: TunnelPeerInfo]

    public init(name: String, role: TunnelRole, addresses: [IPPrefix] = [], counters: [UAPICounter] = [],
                peers: [Key: TunnelPeerInfo] = [:]) {
        self.init(name: name, role: role, addresses: addresses, counters: counters, buildPeers: { peers })
    }

    public init(name: String, role: TunnelRole, addresses: [IPPrefix] = [], counters: [UAPICounter] = [],
                buildPeers: @escaping @Sendable () -> [Key: TunnelPeerInfo]) {
        self.name = name
        self.role = role
        self.addresses = addresses
        self.counters = counters
        self.buildPeers = buildPeers
    }
}
