// One kernel parameter and the value the client needs it to have.
import Netlink

public struct SysctlSetting: Hashable, Sendable, CustomStringConvertible {
    public var sysctl: Sysctl
    public var value: String

    public init(_ sysctl: Sysctl, _ value: String) {
        self.sysctl = sysctl
        self.value = value
    }

    /// Lets replies to the marked tunnel socket pass reverse-path filtering
    /// with the mark taken into account, as wg-quick sets it for IPv4.
    public static let sourceValidMark = SysctlSetting(Sysctl("net.ipv4.conf.all.src_valid_mark"), "1")

    public static let ipv4Forwarding = SysctlSetting(Sysctl("net.ipv4.ip_forward"), "1")
    public static let ipv6Forwarding = SysctlSetting(Sysctl("net.ipv6.conf.all.forwarding"), "1")

    /// The only sysctls a state file may ask to restore: those the program itself sets
    /// and records. Anything else in a state file was not written by it.
    static let restorableNames: Set<String> = Set([sourceValidMark, ipv4Forwarding, ipv6Forwarding].map(\.sysctl.description))

    /// What each kind of run sets: a client's state file restores only the client's.
    static func restorableNames(protocolID: UInt8) -> Set<String> {
        let settings = protocolID == TunnelRouteProtocol.server ? [ipv4Forwarding, ipv6Forwarding] : [sourceValidMark]
        return Set(settings.map(\.sysctl.description))
    }

    /// Values these sysctls take are small numbers (0, 1, 2).
    static func isRestorableValue(_ value: String) -> Bool {
        (1...3).contains(value.utf8.count) && value.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    public var description: String { "\(sysctl)=\(value)" }
}
