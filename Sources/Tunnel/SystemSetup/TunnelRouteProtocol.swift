// The routing-protocol id the client tags its routes and rules with, so a later
// run (or `tunnel client --cleanup`) can tell them from everyone else's.

public enum TunnelRouteProtocol {
    /// Not in iproute2's rt_protos (which stops at 192 for eigrp), nor used by
    /// the kernel or common routing daemons. Shown by `ip route` as "proto 242".
    public static let id: UInt8 = 0xF2
}
