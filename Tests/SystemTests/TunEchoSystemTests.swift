import Addresses
import Netlink
import Reactor
import XCTest

/// Reactor + TUN + Packet together: the kernel's ping and socat talk to a responder
/// behind a TUN, and accept its answers only if every checksum is right.
final class TunEchoSystemTests: XCTestCase {
    func testPingAndUDPEchoThroughTun() throws {
        try requireSystemTestPrerequisites(tools: ["ping", "socat"])
        let topo = try Topology("ns host", test: self)
        let responder: TunEchoResponder = try topo.enter("host") {
            let tun = try TunDevice(name: "echo0")
            let nl = try NetlinkSocket()
            try nl.setMTU(.name(tun.name), 1420)
            try nl.setLink(.name(tun.name), up: true)
            try nl.addAddress(try IPPrefix(parsing: "100.64.1.1/24"), to: .name(tun.name))
            try nl.addAddress(try IPPrefix(parsing: "2001:db8:1::1/64"), to: .name(tun.name))
            let index = try nl.link(.name(tun.name)).index
            try nl.addRoute(Route(destination: try IPPrefix(parsing: "203.0.113.0/24"), outputLinkIndex: index))
            try nl.addRoute(Route(destination: try IPPrefix(parsing: "2001:db8:2::/64"), outputLinkIndex: index))
            return try TunEchoResponder(tun: tun)
        }
        topo.onTeardown { responder.stop() }
        let thread = Thread { responder.reactor.run() }
        thread.start()

        let ping4 = try topo.run("host", "ping", "-c", "3", "-i", "0.2", "-W", "2", "203.0.113.7")
        XCTAssertTrue(ping4.contains("3 received"), ping4)
        let ping6 = try topo.run("host", "ping", "-c", "3", "-i", "0.2", "-W", "2", "2001:db8:2::7")
        XCTAssertTrue(ping6.contains("3 received"), ping6)

        let udp4 = try topo.run("host", ["socat", "-T", "2", "-", "UDP4:203.0.113.7:7777"], input: "hello over ipv4\n")
        XCTAssertEqual(udp4, "hello over ipv4\n")
        let udp6 = try topo.run("host", ["socat", "-T", "2", "-", "UDP6:[2001:db8:2::7]:7777"], input: "hello over ipv6\n")
        XCTAssertEqual(udp6, "hello over ipv6\n")

        var echoed = 0
        responder.reactor.perform { echoed = responder.echoed }
        XCTAssertEqual(echoed, 8, "three pings each way and one datagram over each family, nothing else")
    }
}
