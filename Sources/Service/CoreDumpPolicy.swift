// Keys must not end up in core files: every command starts by marking the process
// non-dumpable (prctl PR_SET_DUMPABLE 0), so a crash leaves no core, and other users can
// neither ptrace it nor read /proc/PID/mem. The static private key is also kept in
// MADV_DONTDUMP memory (WireGuard's SecretKey), which holds even when dumps are allowed.
// For debugging a crash, TUNNEL_DUMPABLE=1 in the environment leaves the process dumpable.
import CShims
import Foundation

public enum CoreDumpPolicy {
    public static let environmentVariable = "TUNNEL_DUMPABLE"

    /// Applies the policy for `environment`; returns whether the process is dumpable now.
    @discardableResult
    public static func apply(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        let wanted = environment[environmentVariable] == "1"
        _ = tunnel_set_dumpable(wanted ? 1 : 0)
        return isDumpable
    }

    public static var isDumpable: Bool { tunnel_get_dumpable() == 1 }
}
