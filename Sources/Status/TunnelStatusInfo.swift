// What a mode tells the control socket about itself beyond the WireGuard device: the
// interface name, its role, its tunnel addresses and its own counters (a server's NAT
// table, for one). The bridge adds the device's drop and session counters itself.
//
// Built by a closure the mode hands to UAPIBridge; called on the reactor's queue.
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
    public var peers: [Key: TunnelPeerInfo]

    public init(name: String, role: TunnelRole, addresses: [IPPrefix] = [], counters: [UAPICounter] = [],
                peers: [Key: TunnelPeerInfo] = [:]) {
        self.name = name
        self.role = role
        self.addresses = addresses
        self.counters = counters
        self.peers = peers
    }
}
