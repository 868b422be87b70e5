// Whether this process may configure the network (CAP_NET_ADMIN in its effective set,
// which root has). Checked before a server writes its config file or anything else, so
// that an unprivileged run fails having changed nothing.
import Foundation

public enum NetworkAdminPrivilege {
    /// CAP_NET_ADMIN's bit number (linux/capability.h).
    static let capability = 12

    public static func require(_ command: String) throws {
        guard !isHeld() else { return }
        throw NetworkAdminPrivilegeError(command: command)
    }

    /// From CapEff in /proc/self/status; when that cannot be read, being root counts.
    static func isHeld() -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") }),
              let mask = UInt64(line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces), radix: 16) else {
            return geteuid() == 0
        }
        return mask & (1 << UInt64(capability)) != 0
    }
}
