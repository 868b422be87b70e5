// The routing-protocol ids the client and the server tag their routes and rules with, so a later
// run (or `tunnel client --cleanup`) can tell them from everyone else's.

public enum TunnelRouteProtocol {
    /// Not in iproute2's rt_protos (which stops at 192 for eigrp), nor used by
    /// the kernel or common routing daemons. Shown by `ip route` as "proto 242".
    public static let id: UInt8 = 0xF2
    /// The server's own id ("proto 243"), so cleaning up after a client never touches a
    /// server's rules in the same namespace, and the other way round.
    public static let server: UInt8 = 0xF3
}
