// The kernel's `from all lookup local` rule (priority 0): a server moves it behind its
// NAT diversion rules and must always put it back, or the host stops delivering
// anything locally.
import Netlink

enum LocalRule {
    static func original(_ family: AddressFamily) -> Rule {
        Rule(family: family, priority: 0, action: .lookup(table: RouteTable.local), protocolID: RouteProtocol.kernel)
    }

    static func moved(_ family: AddressFamily, priority: UInt32, protocolID: UInt8) -> Rule {
        Rule(family: family, priority: priority, action: .lookup(table: RouteTable.local), protocolID: protocolID)
    }

    static func isMoved(_ rule: Rule) -> Bool {
        rule.action == .lookup(table: RouteTable.local) && rule.priority != 0
    }

    /// Re-adds the rule at 0 (if missing), then removes the moved one.
    static func restore(_ family: AddressFamily, movedTo priority: UInt32, protocolID: UInt8, socket: NetlinkSocket) throws {
        let present = try socket.rules(family: family).contains {
            $0.priority == 0 && $0.action == .lookup(table: RouteTable.local)
        }
        if !present { try socket.addRule(original(family)) }
        try ignoringMissing { try socket.removeRule(moved(family, priority: priority, protocolID: protocolID)) }
    }
}
