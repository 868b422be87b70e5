// Netlink module against a real kernel: links, addresses, routes and rules made
// in a fresh namespace, checked both by the module's own dumps and by `ip -j`,
// then removed so the namespace is exactly as before. Also sysctl and errors.
import Addresses
import CShims
import Foundation
import Netlink
import XCTest

final class NetlinkSystemTests: XCTestCase {
    /// The routing-protocol id these tests tag their routes and rules with.
    let testProtocol: UInt8 = 77
    let mainDestination = try! IPPrefix(parsing: "203.0.113.0/24")
    let tableDestination = try! IPPrefix(parsing: "198.51.100.0/24")
    let throwDestination = try! IPPrefix(parsing: "192.0.2.0/24")
    let v6Destination = try! IPPrefix(parsing: "2001:db8:200::/64")
    let tunV4 = try! IPPrefix(parsing: "100.64.0.1/24")
    let tunV6 = try! IPPrefix(parsing: "2001:db8:100::1/64")

    func testTunLinkAddressesRoutesAndRulesAreMadeAndRemovedExactly() throws {
        try requireSystemTestPrerequisites()
        let topo = try Topology("ns a", test: self)
        try topo.enter("a") {
            let nl = try NetlinkSocket()
            let kernelBefore = try NamespaceState(nl)
            let ipBefore = try ipState(topo)

            var nameBuffer = [CChar](repeating: 0, count: 16)
            let fd = tunnel_tun_open("nltun0", &nameBuffer, nameBuffer.count, 0)
            XCTAssertGreaterThanOrEqual(fd, 0, "TUN opens")
            guard fd >= 0 else { return }
            defer { close(fd) }
            let name = String(cString: nameBuffer)

            let tun = try configureLink(nl, name: name)
            let made = try addEverything(nl, tun: tun)
            try checkWithDumps(nl, tun: tun, made: made)
            try checkWithIP(topo, tun: tun)

            try removeEverything(nl, tun: tun, made: made)
            XCTAssertEqual(try nl.routes(table: nil, protocolID: testProtocol), [], "no tagged route left")
            XCTAssertEqual(try nl.rules(family: .ipv4, protocolID: testProtocol), [], "no tagged IPv4 rule left")
            XCTAssertEqual(try nl.rules(family: .ipv6, protocolID: testProtocol), [], "no tagged IPv6 rule left")
            XCTAssertEqual(try nl.addresses(of: .index(tun.index)).filter { $0.scope == 0 }, [],
                           "no global address left on the TUN")

            try nl.deleteLink(.name(name))   // while still open: deleting by netlink works for a TUN
            XCTAssertTrue(try topo.waitUntil { try !nl.links().contains { $0.name == name } }, "TUN is gone")
            XCTAssertEqual(try NamespaceState(nl), kernelBefore, "kernel dumps equal those taken before")
            XCTAssertEqual(try ipState(topo), ipBefore, "`ip -j` output equals that taken before")
        }
    }

    /// Brings the link up with MTU 1420 and checks lookups by name, index and listing.
    private func configureLink(_ nl: NetlinkSocket, name: String) throws -> Link {
        try nl.setLink(.name(name), up: true)
        try nl.setMTU(.name(name), 1420)
        let tun = try nl.link(.name(name))
        XCTAssertEqual(tun.name, name)
        XCTAssertEqual(tun.mtu, 1420, "MTU set")
        XCTAssertTrue(tun.isUp, "link is up")
        XCTAssertEqual(try nl.link(.index(tun.index)), tun, "found by index as by name")
        XCTAssertTrue(try nl.links().contains(tun), "listed among all links")
        try nl.setLink(.index(tun.index), up: false)
        XCTAssertFalse(try nl.link(.index(tun.index)).isUp, "link goes down")
        try nl.setLink(.index(tun.index), up: true)
        return try nl.link(.index(tun.index))
    }

    private struct Made {
        var routes: [Route]
        var rules: [Rule]
    }

    private func addEverything(_ nl: NetlinkSocket, tun: Link) throws -> Made {
        try nl.addAddress(tunV4, to: .name(tun.name))
        try nl.addAddress(tunV6, to: .index(tun.index))
        let routes = [
            Route(destination: mainDestination, outputLinkIndex: tun.index, protocolID: testProtocol),
            Route(destination: tableDestination, table: 100, outputLinkIndex: tun.index, protocolID: testProtocol),
            Route(destination: throwDestination, table: 100, protocolID: testProtocol, type: .throw),
            Route(destination: v6Destination, table: 100, outputLinkIndex: tun.index, metric: 1024,
                  protocolID: testProtocol),
        ]
        for route in routes { try nl.addRoute(route) }
        // Replacing keeps one route and changes its source.
        var replaced = routes[1]
        replaced.preferredSource = tunV4.address
        try nl.replaceRoute(replaced)
        let rules = [
            Rule(family: .ipv4, priority: 100, action: .lookup(table: 100), inputInterface: tun.name,
                 ipProtocol: 6, destinationPorts: 61000...64999, protocolID: testProtocol),
            Rule(family: .ipv4, priority: 101, action: .lookup(table: RouteTable.main), mark: FirewallMark(0x5),
                 suppressPrefixLength: 0, invert: true, protocolID: testProtocol),
            Rule(family: .ipv6, priority: 102, action: .lookup(table: 100), outputInterface: tun.name,
                 ipProtocol: 17, sourcePorts: 1000...2000, protocolID: testProtocol),
        ]
        for rule in rules { try nl.addRule(rule) }
        return Made(routes: [routes[0], replaced, routes[2], routes[3]], rules: rules)
    }

    private func checkWithDumps(_ nl: NetlinkSocket, tun: Link, made: Made) throws {
        let global = try nl.addresses(of: .name(tun.name)).filter { $0.scope == 0 }
        XCTAssertEqual(Set(global.map(\.prefix)), [tunV4, tunV6], "exactly the two addresses")
        XCTAssertTrue(global.allSatisfy { $0.linkIndex == tun.index })
        let v6Flags = global.first { $0.prefix == tunV6 }?.flags ?? 0
        XCTAssertNotEqual(v6Flags & 0x02, 0, "IPv6 address skips DAD (IFA_F_NODAD)")
        XCTAssertEqual(v6Flags & 0x40, 0, "IPv6 address is not tentative (IFA_F_TENTATIVE)")
        let expected = made.routes.map { route -> Route in
            var r = route
            r.scope = route.gateway == nil && route.type == .unicast && route.destination.address.isIPv4
                ? .link : .universe
            return r
        }
        XCTAssertEqual(try nl.routes(family: .ipv4, table: RouteTable.main, protocolID: testProtocol),
                       [expected[0]], "main table holds the one tagged route")
        XCTAssertEqual(Set(try nl.routes(table: 100)), Set(expected[1...]), "table 100 holds exactly ours")
        XCTAssertEqual(try nl.rules(family: .ipv4, protocolID: testProtocol), Array(made.rules[0...1]),
                       "IPv4 rules read back field by field")
        XCTAssertEqual(try nl.rules(family: .ipv6, protocolID: testProtocol), [made.rules[2]],
                       "IPv6 rule reads back field by field")
        XCTAssertEqual(try nl.routes(table: 100).first { $0.destination == tableDestination }?.preferredSource,
                       tunV4.address, "replace changed the source")
    }

    private func checkWithIP(_ topo: Topology, tun: Link) throws {
        let link = try ipJSON(topo, ["link", "show", "dev", tun.name]).first
        XCTAssertEqual(link?["mtu"] as? Int, 1420)
        XCTAssertTrue((link?["flags"] as? [String])?.contains("UP") ?? false, "ip sees the link up")

        let info = try ipJSON(topo, ["addr", "show", "dev", tun.name]).first?["addr_info"] as? [[String: Any]] ?? []
        let global = info.filter { $0["scope"] as? String == "global" }
            .map { "\($0["local"] ?? "")/\($0["prefixlen"] ?? "")" }
        XCTAssertEqual(Set(global), ["100.64.0.1/24", "2001:db8:100::1/64"], "ip sees exactly the addresses")

        let main = try ipJSON(topo, ["route", "show", "table", "main", "proto", "\(testProtocol)"])
        XCTAssertEqual(main.map { "\($0["dst"] ?? "") \($0["dev"] ?? "")" }, ["203.0.113.0/24 \(tun.name)"])
        let table100 = try ipJSON(topo, ["route", "show", "table", "100"])
        XCTAssertEqual(Set(table100.map { "\($0["type"] ?? "unicast") \($0["dst"] ?? "") \($0["protocol"] ?? "")" }),
                       ["unicast 198.51.100.0/24 77", "throw 192.0.2.0/24 77"], "ip sees table 100 exactly")
        let v6 = try ipJSON(topo, ["-6", "route", "show", "table", "100"])
        XCTAssertEqual(v6.map { "\($0["dst"] ?? "") \($0["dev"] ?? "")" }, ["2001:db8:200::/64 \(tun.name)"])

        let rules4 = try ipJSON(topo, ["-d", "rule", "show"]).filter { $0["protocol"] as? String == "77" }
        XCTAssertEqual(rules4.count, 2, "ip sees two tagged IPv4 rules")
        let r100 = rules4.first { $0["priority"] as? Int == 100 }
        XCTAssertEqual(r100?["iif"] as? String, tun.name)
        XCTAssertEqual(r100?["ipproto"] as? String, "tcp")
        XCTAssertEqual(r100?["dport_start"] as? Int, 61000)
        XCTAssertEqual(r100?["dport_end"] as? Int, 64999)
        XCTAssertEqual(r100?["table"] as? String, "100")
        let r101 = rules4.first { $0["priority"] as? Int == 101 }
        XCTAssertNotNil(r101?.index(forKey: "not"), "rule 101 is inverted")
        XCTAssertEqual(r101?["fwmark"] as? String, "0x5")
        XCTAssertEqual(r101?["suppress_prefixlen"] as? Int, 0)
        XCTAssertEqual(r101?["table"] as? String, "main")
        let rules6 = try ipJSON(topo, ["-6", "-d", "rule", "show"]).filter { $0["protocol"] as? String == "77" }
        XCTAssertEqual(rules6.count, 1)
        XCTAssertEqual(rules6.first?["oif"] as? String, tun.name)
        XCTAssertEqual(rules6.first?["ipproto"] as? String, "udp")
        XCTAssertEqual(rules6.first?["sport_start"] as? Int, 1000)
        XCTAssertEqual(rules6.first?["sport_end"] as? Int, 2000)
    }

    private func removeEverything(_ nl: NetlinkSocket, tun: Link, made: Made) throws {
        for rule in made.rules { try nl.removeRule(rule) }
        for route in made.routes { try nl.removeRoute(route) }
        try nl.removeAddress(tunV4, from: .name(tun.name))
        try nl.removeAddress(tunV6, from: .index(tun.index))
    }

    /// The server moves the `local` rule behind its own rules, and puts it back on exit.
    func testLocalRuleMovesAndComesBack() throws {
        try requireSystemTestPrerequisites()
        let topo = try Topology("ns a", test: self)
        try topo.enter("a") {
            let nl = try NetlinkSocket()
            let before = try nl.rules(family: .ipv4)
            let original = Rule(family: .ipv4, priority: 0, action: .lookup(table: RouteTable.local))
            let moved = Rule(family: .ipv4, priority: 32765, action: .lookup(table: RouteTable.local),
                             protocolID: testProtocol)
            try nl.addRule(moved)
            try nl.removeRule(original)
            let local = try nl.rules(family: .ipv4).filter { $0.action == .lookup(table: RouteTable.local) }
            XCTAssertEqual(local, [moved], "only the moved local rule is left")
            let ipLocal = try ipJSON(topo, ["rule", "show"]).filter { $0["table"] as? String == "local" }
            XCTAssertEqual(ipLocal.map { $0["priority"] as? Int }, [32765], "ip agrees")

            try nl.addRule(Rule(family: .ipv4, priority: 0, action: .lookup(table: RouteTable.local),
                                protocolID: RouteProtocol.kernel))
            try nl.removeRule(moved)
            XCTAssertEqual(try nl.rules(family: .ipv4), before, "rules as before")
        }
    }

    func testDeleteLinkRemovesBothEndsOfAVeth() throws {
        try requireSystemTestPrerequisites()
        let topo = try Topology("a eth0 192.0.2.1/24 -- b eth0 192.0.2.2/24", test: self)
        try topo.enter("a") {
            let nl = try NetlinkSocket()
            try nl.deleteLink(.name("eth0"))
            XCTAssertThrowsError(try nl.link(.name("eth0"))) { error in
                XCTAssertTrue((error as? NetlinkError)?.isNotFound ?? false, "\(error)")
            }
        }
        XCTAssertNotEqual(try topo.attempt("b", ["ip", "link", "show", "eth0"]).status, 0, "peer end is gone")
    }

    func testSysctlReadWriteRestoreIsNamespaceLocal() throws {
        try requireSystemTestPrerequisites()
        let topo = try Topology("ns a", test: self)
        let forwarding = Sysctl("net.ipv4.ip_forward")
        XCTAssertEqual(forwarding.path, "/proc/sys/net/ipv4/ip_forward")
        let rootValue = try forwarding.read()
        try topo.enter("a") {
            let original = try forwarding.read()
            let flipped = original == "1" ? "0" : "1"
            XCTAssertEqual(try forwarding.write(flipped), original, "write returns the old value")
            XCTAssertEqual(try forwarding.read(), flipped)
            let seen = try topo.run("a", "cat", "/proc/sys/net/ipv4/ip_forward")
            XCTAssertEqual(seen.trimmingCharacters(in: .whitespacesAndNewlines), flipped, "written in the namespace")
            try forwarding.write(original)
            XCTAssertEqual(try forwarding.read(), original, "restored")

            let rpFilter = Sysctl.interface("ipv4", "lo", "rp_filter")
            let old = try rpFilter.write("2")
            XCTAssertEqual(try rpFilter.read(), "2")
            try rpFilter.write(old)
        }
        XCTAssertEqual(try forwarding.read(), rootValue, "root namespace untouched")
        XCTAssertEqual(Sysctl.interface("ipv4", "eth0.100", "rp_filter").path,
                       "/proc/sys/net/ipv4/conf/eth0.100/rp_filter", "dotted interface names stay one component")
    }

    func testSysctlErrorsNameThePath() throws {
        XCTAssertThrowsError(try Sysctl(components: ["net", "..", "x"]).read()) { error in
            XCTAssertNil((error as? SysctlError)?.errno, "a bad name is refused before any file access")
        }
        XCTAssertThrowsError(try Sysctl("net.ipv4.no_such_knob").read()) { error in
            XCTAssertEqual((error as? SysctlError)?.errno, ENOENT)
            XCTAssertTrue("\(error)".contains("/proc/sys/net/ipv4/no_such_knob"), "\(error)")
        }
    }

    func testErrorsNameTheOperation() throws {
        try requireSystemTestPrerequisites()
        let topo = try Topology("ns a", test: self)
        try topo.enter("a") {
            let nl = try NetlinkSocket()
            XCTAssertThrowsError(try nl.addAddress(tunV4, to: .name("nosuch0"))) { error in
                let e = error as? NetlinkError
                XCTAssertTrue(e?.isNotFound ?? false, "\(error)")
                XCTAssertTrue("\(error)".contains("add address 100.64.0.1/24 to link nosuch0"), "\(error)")
            }
            let route = Route(destination: mainDestination, outputLinkIndex: 9999, protocolID: testProtocol)
            XCTAssertThrowsError(try nl.addRoute(route)) { error in
                XCTAssertEqual((error as? NetlinkError)?.errno, ENODEV, "\(error)")
                XCTAssertTrue("\(error)".contains("add route 203.0.113.0/24"), "\(error)")
            }
            let lo = try nl.link(.name("lo"))
            let onLo = Route(destination: mainDestination, outputLinkIndex: lo.index, protocolID: testProtocol)
            try nl.addRoute(onLo)
            XCTAssertThrowsError(try nl.addRoute(onLo)) { error in
                XCTAssertTrue((error as? NetlinkError)?.isAlreadyExists ?? false, "\(error)")
            }
            try nl.removeRoute(onLo)
            let rule = Rule(family: .ipv4, priority: 4242, action: .lookup(table: 100), protocolID: testProtocol)
            XCTAssertThrowsError(try nl.removeRule(rule)) { error in
                XCTAssertTrue((error as? NetlinkError)?.isNotFound ?? false, "\(error)")
                XCTAssertTrue("\(error)".contains("remove rule inet priority 4242"), "\(error)")
            }
        }
    }

    // MARK: helpers

    /// `ip -j ARGS` run in namespace a, parsed.
    private func ipJSON(_ topo: Topology, _ args: [String]) throws -> [[String: Any]] {
        let text = try topo.run("a", ["ip", "-j"] + args)
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return [] }
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return parsed as? [[String: Any]] ?? []
    }

    /// Everything `ip` shows about namespace a's addresses, routes and rules.
    private func ipState(_ topo: Topology) throws -> [String] {
        try [["addr"], ["route", "show", "table", "all"], ["-6", "route", "show", "table", "all"],
             ["-d", "rule"], ["-6", "-d", "rule"]].map { try topo.run("a", ["ip", "-j"] + $0) }
    }
}

/// A namespace's addresses, routes (all tables) and rules, as the module dumps them.
private struct NamespaceState: Equatable {
    var addresses: Set<InterfaceAddress>
    var routes: Set<Route>
    var rules: [Rule]

    init(_ nl: NetlinkSocket) throws {
        addresses = Set(try nl.addresses())
        routes = Set(try nl.routes(table: nil))
        rules = try nl.rules(family: .ipv4) + nl.rules(family: .ipv6)
    }
}
