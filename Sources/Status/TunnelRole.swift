// What a running tunnel is, as `tunnel status` shows it and the control socket reports it
// (`tunnel_role=`).
public enum TunnelRole: String, Sendable, CaseIterable {
    case client
    case server
}
