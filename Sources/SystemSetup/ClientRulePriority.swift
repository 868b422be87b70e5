// Priorities of the client's policy rules in full-tunnel mode.
//
// Both sit just before the `main` rule (32766), as the ones wg-quick lets the
// kernel pick do, but fixed so a run can name exactly what it adds; 32763 to
// 32765 stay free for others (the server moves the `local` rule to 32765).

public enum ClientRulePriority {
    /// `lookup main suppress_prefixlength 0`: more specific routes of the main
    /// table (local networks, the server's subnet) keep winning over the tunnel.
    public static let suppressMainDefault: UInt32 = 32761
    /// `not fwmark MARK lookup TABLE`: everything not sent by the tunnel's own
    /// UDP socket goes to the table whose default route is the tunnel.
    public static let unmarkedToTunnel: UInt32 = 32762
}
