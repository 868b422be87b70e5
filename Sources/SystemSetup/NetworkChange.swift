// One change a NetworkSetup made to the system, with what undoing it needs.
import Addresses
import Netlink

public enum NetworkChange: Equatable, Sendable {
    /// The state file (and resolv.conf backup) for this interface were written.
    case savedState(interface: String)
    case mtu(linkIndex: Int32, previous: UInt32)
    case linkUp(linkIndex: Int32)
    case address(IPPrefix, linkIndex: Int32)
    case route(Route)
    case rule(Rule)
    case sysctl(Sysctl, previous: String)
    /// The kernel's `lookup local` rule was moved from priority 0 to `to` (so the
    /// server's diversion rules can come first).
    case localRuleMoved(family: AddressFamily, to: UInt32, protocolID: UInt8)
    /// `original` nil: the file did not exist before.
    case resolvConf(path: String, original: String?)
}
