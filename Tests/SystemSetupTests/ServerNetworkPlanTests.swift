import Addresses
import Netlink
import XCTest
@testable import SystemSetup

final class ServerNetworkPlanTests: XCTestCase {
    private let addresses = [try! IPPrefix(parsing: "100.64.0.1/24"), try! IPPrefix(parsing: "2001:db8:100::1/64")]

    func testUserspaceNATDivertsItsPortsAndLaterFragmentsAndMovesTheLocalRule() {
        let egress4 = IPAddress("198.51.100.1")!, egress6 = IPAddress("2001:db8:51::1")!
        let nat = ServerNATPlan(egressInterface: "eth1", families: [.ipv4, .ipv6], ports: 61000...64999,
                                table: NetworkPlan.serverNATTable, egressAddresses: [egress4, egress6])
        let plan = NetworkPlan(serverInterface: "tunnel0", index: 7, addresses: addresses, mtu: 1420, nat: nat,
                               forwardIPv6: true)
        XCTAssertEqual(plan.protocolID, TunnelRouteProtocol.server)
        XCTAssertEqual(plan.movedLocalRules, [.ipv4, .ipv6])
        XCTAssertEqual(plan.movedLocalRulePriority, ServerRulePriority.movedLocal)
        XCTAssertEqual(plan.routes.map(\.table), [NetworkPlan.serverNATTable, NetworkPlan.serverNATTable])
        XCTAssertTrue(plan.routes.allSatisfy { $0.destination.length == 0 && $0.outputLinkIndex == 7 })
        XCTAssertEqual(plan.rules.count, 9, "four rules per family, and IPv6's prohibit")
        for (family, egress) in [(AddressFamily.ipv4, egress4), (.ipv6, egress6)] {
            let rules = plan.rules.filter { $0.family == family && $0.priority != ServerRulePriority.outsideToTunnel }
            XCTAssertEqual(rules.map(\.priority), [1, 1, 2, 3])
            let host = IPPrefix(address: egress, length: egress.bitWidth)
            XCTAssertEqual(rules.map(\.destination), [host, host, nil, host], "only what is for the egress address is diverted")
            XCTAssertEqual(rules[0].destinationPorts, 61000...64999)
            XCTAssertEqual(rules[2].action, .goto(priority: ServerRulePriority.movedLocal))
            XCTAssertNil(rules[3].destinationPorts, "port 0 (later fragments) is caught by the rule without ports")
            XCTAssertTrue(rules.allSatisfy { $0.inputInterface == "eth1" && $0.protocolID == TunnelRouteProtocol.server })
            XCTAssertTrue(rules.allSatisfy { ($0.priority ?? 0) < ServerRulePriority.movedLocal })
        }
        // IPv6 has no martian-source check: nothing from the egress may go to the tunnel prefix.
        XCTAssertEqual(plan.rules.filter { $0.priority == ServerRulePriority.outsideToTunnel },
                       [Rule(family: .ipv6, priority: ServerRulePriority.outsideToTunnel, action: .prohibit,
                             destination: try! IPPrefix(parsing: "2001:db8:100::/64"), inputInterface: "eth1",
                             protocolID: TunnelRouteProtocol.server)])
        XCTAssertGreaterThan(ServerRulePriority.outsideToTunnel, ServerRulePriority.movedLocal,
                             "after the local rule: the host's own tunnel address stays reachable")
        XCTAssertEqual(Set(plan.sysctls.map(\.description)),
                       ["net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"])
    }

    func testRoutedModeOnlyForwards() {
        let plan = NetworkPlan(serverInterface: "tunnel0", index: 7, addresses: addresses, mtu: 1420, nat: nil,
                               forwardIPv6: false)
        XCTAssertTrue(plan.rules.isEmpty)
        XCTAssertTrue(plan.routes.isEmpty)
        XCTAssertTrue(plan.movedLocalRules.isEmpty)
        XCTAssertEqual(plan.sysctls.map(\.description), ["net.ipv4.ip_forward=1"])
    }
}
