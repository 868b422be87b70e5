// Tunnel module: the client and server modes, wiring netlink, the reactor, the
// WireGuard engine, NAT and the control socket together.

public enum TunnelVersion {
    public static let string = "0.1.0"
}
