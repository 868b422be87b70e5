// Route lookup against a real kernel: a namespace with two veth links, a gateway
// route and a marked policy route; each lookup must name the egress link, the
// gateway and the source address `ip route get` would.
import Addresses
import Foundation
import Netlink
import XCTest

final class RouteLookupSystemTests: XCTestCase {
    private func address(_ text: String) -> IPAddress { IPAddress(text)! }

    private func makeTopology() throws -> Topology {
        try Topology("""
            a eth0 192.0.2.1/24 2001:db8:1::1/64 -- b eth0 192.0.2.2/24 2001:db8:1::2/64
            a eth1 198.51.100.1/24 -- c eth0 198.51.100.2/24
            route a 203.0.113.0/24 via 198.51.100.2
            """, test: self)
    }

    func testLookupNamesEgressLinkGatewayAndSource() throws {
        try requireSystemTestPrerequisites()
        let topo = try makeTopology()
        try topo.enter("a") {
            let nl = try NetlinkSocket()
            let eth0 = try nl.link(.name("eth0"))
            let eth1 = try nl.link(.name("eth1"))

            let onLink = try nl.lookupRoute(to: address("192.0.2.2"))
            XCTAssertEqual(onLink.linkIndex, eth0.index)
            XCTAssertEqual(onLink.linkName, "eth0")
            XCTAssertNil(onLink.gateway, "on-link destination has no gateway")
            XCTAssertEqual(onLink.preferredSource, address("192.0.2.1"))
            XCTAssertEqual(onLink.type, .unicast)
            XCTAssertEqual(onLink.table, RouteTable.main)

            let other = try nl.lookupRoute(to: address("198.51.100.2"))
            XCTAssertEqual(other.linkIndex, eth1.index)
            XCTAssertEqual(other.linkName, "eth1")
            XCTAssertNil(other.gateway)
            XCTAssertEqual(other.preferredSource, address("198.51.100.1"))

            let routed = try nl.lookupRoute(to: address("203.0.113.5"))
            XCTAssertEqual(routed.linkName, "eth1")
            XCTAssertEqual(routed.gateway, address("198.51.100.2"), "reached through the gateway")
            XCTAssertEqual(routed.preferredSource, address("198.51.100.1"))

            let v6 = try nl.lookupRoute(to: address("2001:db8:1::2"))
            XCTAssertEqual(v6.linkName, "eth0")
            XCTAssertEqual(v6.preferredSource, address("2001:db8:1::1"))

            let own = try nl.lookupRoute(to: address("192.0.2.1"))
            XCTAssertEqual(own.type, .local, "own address is a local route")
            XCTAssertEqual(own.linkName, "lo")
        }
    }

    func testLookupMatchesIpRouteGet() throws {
        try requireSystemTestPrerequisites()
        let topo = try makeTopology()
        try topo.enter("a") {
            let nl = try NetlinkSocket()
            for destination in ["192.0.2.2", "198.51.100.2", "203.0.113.5"] {
                let ours = try nl.lookupRoute(to: address(destination))
                let text = try topo.run("a", "ip", "-j", "route", "get", destination)
                let theirs = (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])?.first
                XCTAssertEqual(ours.linkName, theirs?["dev"] as? String, destination)
                XCTAssertEqual(ours.gateway?.description, theirs?["gateway"] as? String, destination)
                XCTAssertEqual(ours.preferredSource?.description, theirs?["prefsrc"] as? String, destination)
            }
        }
    }

    func testLookupHonoursMarkAndInputLink() throws {
        try requireSystemTestPrerequisites()
        let topo = try makeTopology()
        try topo.enter("a") {
            let nl = try NetlinkSocket()
            let destination = try IPPrefix(parsing: "203.0.113.0/24")
            try nl.addRoute(Route(destination: destination, table: 100, gateway: address("192.0.2.2")))
            try nl.addRule(Rule(family: .ipv4, priority: 1000, action: .lookup(table: 100), mark: FirewallMark(0x1)))

            let marked = try nl.lookupRoute(to: address("203.0.113.5"), mark: 0x1)
            XCTAssertEqual(marked.linkName, "eth0", "the mark selects table 100")
            XCTAssertEqual(marked.gateway, address("192.0.2.2"))
            XCTAssertEqual(marked.table, 100)
            XCTAssertEqual(try nl.lookupRoute(to: address("203.0.113.5")).linkName, "eth1", "unmarked: main")

            let forwarding = Sysctl("net.ipv4.ip_forward")
            let old = try forwarding.write("1")
            defer { _ = try? forwarding.write(old) }
            let forwarded = try nl.lookupRoute(to: address("203.0.113.5"), source: address("192.0.2.2"),
                                               inputLink: .name("eth0"))
            XCTAssertEqual(forwarded.linkName, "eth1", "a packet arriving on eth0 is forwarded out of eth1")
            XCTAssertEqual(forwarded.gateway, address("198.51.100.2"))
        }
    }

    func testUnreachableDestinationIsATypedError() throws {
        try requireSystemTestPrerequisites()
        let topo = try makeTopology()
        try topo.enter("a") {
            let nl = try NetlinkSocket()
            XCTAssertThrowsError(try nl.lookupRoute(to: address("10.9.8.7"))) { error in
                XCTAssertEqual((error as? NetlinkError)?.errno, ENETUNREACH, "\(error)")
                XCTAssertTrue("\(error)".contains("look up route to 10.9.8.7"), "\(error)")
            }
        }
    }
}
