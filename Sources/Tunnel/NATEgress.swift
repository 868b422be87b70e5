/// How the NAT's translated packets leave the server (`--nat-egress`).
public enum NATEgress: Sendable, Equatable {
    /// No `--nat-egress`: back into the TUN, for the kernel to forward as coalesced
    /// super-packets. A start on a host whose FORWARD drops by policy is refused, since
    /// the clients would silently get nothing.
    case tunByDefault
    /// `--nat-egress tun`: the TUN, also where a FORWARD chain drops by policy (the
    /// operator says it has accept rules for the tunnel).
    case tun
    /// `--nat-egress socket`: a raw socket, one packet per call, past OUTPUT.
    case socket
}
