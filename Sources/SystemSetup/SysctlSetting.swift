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

    public var description: String { "\(sysctl)=\(value)" }
}
