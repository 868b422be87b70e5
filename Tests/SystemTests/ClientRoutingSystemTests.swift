// The client's system setup against a real kernel, in a namespace with an
// underlay link to the server and a second "lan" link: a full tunnel sends
// everything into the TUN except marked packets and local networks; a split
// tunnel only its prefixes; revert, leftover cleanup after a simulated SIGKILL,
// and an interface deleted under the setup all leave the namespace exactly as
// before (addresses, routes, rules, the sysctl, resolv.conf).
import Addresses
import Config
import Foundation
import Netlink
import Reactor
import XCTest
@testable import SystemSetup

final class ClientRoutingSystemTests: XCTestCase {
    /// These tests play a killed run inside their own (living) process.
    static let killed: (RunOwner) -> Bool = { _ in false }

    let tunName = "ctun0"
    let originalResolvConf = "nameserver 192.0.2.53\noptions edns0\n"

    private func address(_ text: String) -> IPAddress { IPAddress(text)! }

    private func makeTopology() throws -> Topology {
        let topo = try Topology("""
            client eth0 192.0.2.2/24 2001:db8:1::2/64 -- server eth0 192.0.2.1/24 2001:db8:1::1/64
            client lan0 198.51.100.1/24 -- lan eth0 198.51.100.7/24
            route client default via 192.0.2.1
            """, test: self)
        try topo.run("client", "ip", "-6", "route", "add", "default", "via", "2001:db8:1::1")
        // Link-local addresses finish duplicate address detection a moment
        // after the links come up, adding local routes; dumps taken across that
        // moment would differ for reasons of their own.
        let settled = try topo.waitUntil {
            try topo.run("client", "ip", "-6", "addr", "show", "tentative").isEmpty
        }
        XCTAssertTrue(settled, "IPv6 addresses in the client namespace leave the tentative state")
        return topo
    }

    private func config(allowed: String, dns: Bool) throws -> WireGuardConfig {
        try WireGuardConfig(parsing: """
            [Interface]
            PrivateKey = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
            Address = 100.64.0.2/32, 2001:db8:100::2/128
            \(dns ? "DNS = 100.64.0.1, corp.example" : "")

            [Peer]
            PublicKey = AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=
            Endpoint = 192.0.2.1:51820
            AllowedIPs = \(allowed)
            """, fileName: "client.conf")
    }

    /// A fresh state directory and a resolv.conf stand-in, removed after the test.
    private func scratch() throws -> (StateDirectory, ResolvConfFile) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clientnet-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let resolv = ResolvConfFile(path: dir.appendingPathComponent("resolv.conf").path)
        try resolv.overwrite(with: originalResolvConf)
        return (StateDirectory(path: dir.appendingPathComponent("state").path), resolv)
    }

    /// Runs `body` in a fresh client namespace with a netlink socket, a scratch state
    /// directory and resolv.conf stand-in.
    private func inClientNamespace(
        _ body: (Topology, NetlinkSocket, StateDirectory, ResolvConfFile) throws -> Void) throws {
        try requireSystemTestPrerequisites()
        let topo = try makeTopology()
        let (states, resolv) = try scratch()
        try topo.enter("client") { try body(topo, try NetlinkSocket(), states, resolv) }
    }

    // MARK: full tunnel

    func testFullTunnelRoutesEverythingButMarkedAndLocalTrafficThenRevertsExactly() throws {
        try inClientNamespace { topo, nl, states, resolv in
            let tun = try TunDevice(name: tunName)
            defer { tun.close() }
            let before = try clientState(topo)
            let index = try nl.link(.name(tun.name)).index
            let plan = try plan(for: tun, index: index, allowed: "0.0.0.0/0, ::/0", dns: true)
            let setup = try NetworkSetup(applying: plan, socket: nl, stateDirectory: states, resolvConf: resolv)

            try checkFullTunnelLookups(nl)
            XCTAssertEqual(try Sysctl("net.ipv4.conf.all.src_valid_mark").read(), "1", "src_valid_mark set")
            XCTAssertEqual(try nl.rules(family: .ipv4, protocolID: TunnelRouteProtocol.id).count, 2)
            XCTAssertEqual(try nl.rules(family: .ipv6, protocolID: TunnelRouteProtocol.id).count, 2)
            XCTAssertEqual(try nl.link(.index(index)).mtu, 1420)
            XCTAssertEqual(try resolv.read(), plan.resolver?.render(interfaceName: tun.name), "resolv.conf rewritten")
            XCTAssertTrue(try resolv.read()?.contains("search corp.example") ?? false)
            XCTAssertNotNil(try states.load(for: tun.name), "state recorded while up")
            let ipRules = try topo.run("client", "ip", "rule")
            XCTAssertTrue(ipRules.contains("\(ClientRulePriority.unmarkedToTunnel):\tnot from all fwmark 0xca6c lookup 51820 proto 242"),
                          ipRules)
            XCTAssertTrue(ipRules.contains("\(ClientRulePriority.suppressMainDefault):\tfrom all lookup main suppress_prefixlength 0 proto 242"),
                          ipRules)

            try setup.revert()
            XCTAssertEqual(setup.changes, [], "everything undone")
            assertSameNetworkState(try clientState(topo), before, "addresses, routes, rules, sysctl as before")
            XCTAssertEqual(try resolv.read(), originalResolvConf, "resolv.conf restored")
            XCTAssertNil(try states.load(for: tun.name), "state file removed on a clean revert")
            XCTAssertEqual(states.recordedInterfaces(), [])
        }
    }

    /// wg-quick's semantics: the server's own subnet is a connected route of
    /// the main table, more specific than /0, so the suppress rule keeps it on
    /// eth0 even unmarked; everything else unmarked goes into the tunnel.
    private func checkFullTunnelLookups(_ nl: NetlinkSocket) throws {
        let internet = try nl.lookupRoute(to: address("203.0.113.5"))
        XCTAssertEqual(internet.linkName, tunName, "unmarked internet traffic enters the tunnel: \(internet)")
        XCTAssertEqual(internet.table, NetworkPlan.defaultRoutingTable)
        let marked = try nl.lookupRoute(to: address("203.0.113.5"), mark: NetworkPlan.defaultRoutingTable)
        XCTAssertEqual(marked.linkName, "eth0", "the marked tunnel socket leaves by the underlay: \(marked)")
        XCTAssertEqual(marked.gateway, address("192.0.2.1"))
        let lan = try nl.lookupRoute(to: address("198.51.100.7"))
        XCTAssertEqual(lan.linkName, "lan0", "local networks stay reachable: \(lan)")
        let server = try nl.lookupRoute(to: address("192.0.2.1"))
        XCTAssertEqual(server.linkName, "eth0", "the server's connected subnet stays on eth0: \(server)")

        let internet6 = try nl.lookupRoute(to: address("2001:db8:ffff::5"))
        XCTAssertEqual(internet6.linkName, tunName, "IPv6 too: \(internet6)")
        let marked6 = try nl.lookupRoute(to: address("2001:db8:ffff::5"), mark: NetworkPlan.defaultRoutingTable)
        XCTAssertEqual(marked6.linkName, "eth0", "\(marked6)")
        XCTAssertEqual(marked6.gateway, address("2001:db8:1::1"))
    }

    // MARK: split tunnel

    func testSplitTunnelRoutesOnlyItsPrefixes() throws {
        try inClientNamespace { topo, nl, states, resolv in
            let tun = try TunDevice(name: tunName)
            defer { tun.close() }
            let before = try clientState(topo)
            let index = try nl.link(.name(tun.name)).index
            let plan = try NetworkPlan(config: config(allowed: "100.64.0.0/10, 203.0.113.0/24, 2001:db8:100::/48",
                                                            dns: false),
                                             interfaceName: tun.name, interfaceIndex: index)
            let setup = try NetworkSetup(applying: plan, socket: nl, stateDirectory: states, resolvConf: resolv)

            for inside in ["100.64.0.1", "203.0.113.5", "2001:db8:100::1"] {
                XCTAssertEqual(try nl.lookupRoute(to: address(inside)).linkName, tunName, inside)
            }
            let outside = try nl.lookupRoute(to: address("198.18.0.5"))
            XCTAssertEqual(outside.linkName, "eth0", "other traffic keeps the default route: \(outside)")
            XCTAssertEqual(outside.gateway, address("192.0.2.1"))
            XCTAssertEqual(try nl.lookupRoute(to: address("2001:db8:ffff::5")).linkName, "eth0")
            XCTAssertEqual(try nl.lookupRoute(to: address("198.51.100.7")).linkName, "lan0")
            XCTAssertEqual(try nl.rules(family: .ipv4, protocolID: TunnelRouteProtocol.id), [], "no rules")
            XCTAssertEqual(try Sysctl("net.ipv4.conf.all.src_valid_mark").read(), "0", "sysctl untouched")
            XCTAssertEqual(try resolv.read(), originalResolvConf, "no DNS in the config: resolv.conf untouched")
            XCTAssertFalse(FileManager.default.fileExists(atPath: states.resolvConfBackupPath(for: tun.name)))

            try setup.revert()
            assertSameNetworkState(try clientState(topo), before, "as before")
        }
    }

    // MARK: leftovers

    func testCleanupAfterSimulatedKillRestoresEverything() throws {
        try inClientNamespace { topo, nl, states, resolv in
            let before = try clientState(topo)
            let tun = try TunDevice(name: tunName)
            let index = try nl.link(.name(tun.name)).index
            let plan = try plan(for: tun, index: index, allowed: "0.0.0.0/0, ::/0, 10.0.0.0/8", dns: true)
            var setup: NetworkSetup? = try NetworkSetup(applying: plan, socket: nl,
                                                                    stateDirectory: states, resolvConf: resolv)
            XCTAssertNotNil(setup)
            setup = nil   // SIGKILL: no revert
            tun.close()   // the kernel deletes the interface with the process's fd
            XCTAssertTrue(try topo.waitUntil { try !nl.links().contains { $0.name == tunName } }, "TUN gone")
            XCTAssertEqual(try Sysctl("net.ipv4.conf.all.src_valid_mark").read(), "1", "left behind")
            XCTAssertEqual(try nl.rules(family: .ipv4, protocolID: TunnelRouteProtocol.id).count, 2, "left behind")

            let report = try LeftoverCleanup(socket: nl, stateDirectory: states, resolvConf: resolv, runIsAlive: Self.killed)
                .removeLeftovers(interface: tunName)
            XCTAssertTrue(report.contains("restore net.ipv4.conf.all.src_valid_mark=0"), "\(report)")
            XCTAssertTrue(report.contains("restore \(resolv.path)"), "\(report)")
            XCTAssertEqual(report.filter { $0.hasPrefix("remove rule") }.count, 4, "\(report)")
            assertSameNetworkState(try clientState(topo), before, "the namespace is exactly as before the run")
            XCTAssertEqual(try resolv.read(), originalResolvConf, "resolv.conf restored from the backup")
            XCTAssertEqual(states.recordedInterfaces(), [], "state consumed")
            XCTAssertEqual(try LeftoverCleanup(socket: nl, stateDirectory: states, resolvConf: resolv, runIsAlive: Self.killed)
                            .removeLeftovers(interface: nil),
                           [], "a second cleanup finds nothing")
        }
    }

    /// #21: a dead run's cleanup must not restore src_valid_mark under a live full tunnel,
    /// which took over the original value and restores it when it stops.
    func testCleanupKeepsASharedSysctlALiveRunNeeds() throws {
        try requireSystemTestPrerequisites()
        let topo = try makeTopology()
        let (states, resolv) = try scratch()
        try topo.enter("client") {
            let nl = try NetlinkSocket()
            let mark = SysctlSetting.sourceValidMark.sysctl
            XCTAssertEqual(try mark.read(), "0")
            // A killed full tunnel's record, made in this namespace by a process that is gone.
            var gone = RunOwner.current(protocolID: TunnelRouteProtocol.id)
            gone.pid = Int32.max
            try states.save(SetupState(interfaceName: "ctun7", tables: [4343], originalSysctls: ["\(mark)": "0"],
                                       owner: gone, neededSysctls: ["\(mark)"]))
            let tun = try TunDevice(name: tunName)
            defer { tun.close() }
            let plan = try NetworkPlan(config: config(allowed: "0.0.0.0/0", dns: false), interfaceName: tun.name,
                                       interfaceIndex: try nl.link(.name(tun.name)).index, routingTable: 4242)
            let live = try NetworkSetup(applying: plan, socket: nl, stateDirectory: states, resolvConf: resolv)
            XCTAssertEqual(try mark.read(), "1")
            XCTAssertEqual(try states.load(for: tunName)?.originalSysctls, ["\(mark)": "0"],
                           "the live run took over the original value")

            let report = try LeftoverCleanup(socket: nl, stateDirectory: states, resolvConf: resolv).removeLeftovers(interface: nil)
            XCTAssertTrue(report.contains("kept \(mark): \(tunName) (pid \(getpid())) still needs it"), "\(report)")
            XCTAssertFalse(report.contains { $0.hasPrefix("restore") }, "\(report)")
            XCTAssertEqual(try mark.read(), "1", "the live tunnel keeps src_valid_mark")
            XCTAssertEqual(states.recordedInterfaces(), [tunName], "the dead run's record is consumed")
            XCTAssertEqual(try nl.rules(family: .ipv4, protocolID: TunnelRouteProtocol.id).count, 2, "the live rules stay")

            try live.revert()
            XCTAssertEqual(try mark.read(), "0", "the last run restores the value from before both")
        }
    }

    func testCleanupWithoutInterfaceRemovesEverythingTaggedEvenWithoutState() throws {
        try inClientNamespace { topo, nl, states, resolv in
            let tun = try TunDevice(name: tunName)
            defer { tun.close() }
            let index = try nl.link(.name(tun.name)).index
            let plan = try NetworkPlan(config: config(allowed: "0.0.0.0/0, 10.0.0.0/8", dns: false),
                                             interfaceName: tun.name, interfaceIndex: index, routingTable: 4242)
            _ = try NetworkSetup(applying: plan, socket: nl, stateDirectory: states, resolvConf: resolv)
            states.remove(for: tun.name)   // a state directory lost (e.g. /run cleared)
            try LeftoverCleanup(socket: nl, stateDirectory: states, resolvConf: resolv, runIsAlive: Self.killed).removeLeftovers(interface: nil)
            XCTAssertEqual(try nl.routes(table: nil, protocolID: TunnelRouteProtocol.id), [], "no tagged route")
            XCTAssertEqual(try nl.rules(family: .ipv4, protocolID: TunnelRouteProtocol.id), [], "no tagged rule")
            XCTAssertEqual(try nl.lookupRoute(to: address("203.0.113.5")).linkName, "eth0", "traffic back on eth0")
        }
    }

    func testCleanupForOneInterfaceLeavesAnotherSplitTunnelAlone() throws {
        try inClientNamespace { topo, nl, states, resolv in
            let other = try TunDevice(name: "ctun1")
            defer { other.close() }
            let otherPlan = try NetworkPlan(config: config(allowed: "10.0.0.0/8", dns: false),
                                                  interfaceName: other.name,
                                                  interfaceIndex: try nl.link(.name(other.name)).index)
            let otherSetup = try NetworkSetup(applying: otherPlan, socket: nl, stateDirectory: states,
                                                    resolvConf: resolv)
            let tun = try TunDevice(name: tunName)
            let plan = try NetworkPlan(config: config(allowed: "0.0.0.0/0", dns: true), interfaceName: tun.name,
                                             interfaceIndex: try nl.link(.name(tun.name)).index)
            _ = try NetworkSetup(applying: plan, socket: nl, stateDirectory: states, resolvConf: resolv)
            tun.close()
            XCTAssertTrue(try topo.waitUntil { try !nl.links().contains { $0.name == tunName } })

            try LeftoverCleanup(socket: nl, stateDirectory: states, resolvConf: resolv, runIsAlive: Self.killed).removeLeftovers(interface: tunName)
            XCTAssertEqual(try nl.rules(family: .ipv4, protocolID: TunnelRouteProtocol.id), [], "full-tunnel rules gone")
            XCTAssertEqual(try nl.lookupRoute(to: address("10.1.2.3")).linkName, "ctun1", "the other run's route stays")
            XCTAssertEqual(states.recordedInterfaces(), ["ctun1"], "the other run's state stays")
            try otherSetup.revert()
        }
    }

    func testFreeTableSearchSkipsTablesInUse() throws {
        try requireSystemTestPrerequisites()
        let topo = try makeTopology()
        try topo.enter("client") {
            let nl = try NetlinkSocket()
            XCTAssertEqual(try RoutingTableSearch.firstUnusedTable(socket: nl), 51820, "the first choice when free")
            try topo.run("client", "ip", "route", "add", "blackhole", "203.0.113.0/24", "table", "51820")
            try topo.run("client", "ip", "-6", "route", "add", "blackhole", "2001:db8:ffff::/48", "table", "51821")
            XCTAssertEqual(try RoutingTableSearch.firstUnusedTable(socket: nl), 51822, "tables in use are skipped")
        }
    }

    // MARK: failures

    func testInterfaceDeletedUnderTheSetupStillRevertsCleanly() throws {
        try inClientNamespace { topo, nl, states, resolv in
            let before = try clientState(topo)
            let tun = try TunDevice(name: tunName)
            let index = try nl.link(.name(tun.name)).index
            let plan = try plan(for: tun, index: index, allowed: "0.0.0.0/0, ::/0, 10.0.0.0/8", dns: true)
            let setup = try NetworkSetup(applying: plan, socket: nl, stateDirectory: states, resolvConf: resolv)
            try nl.deleteLink(.index(index))
            tun.close()
            XCTAssertNoThrow(try setup.revert(), "routes and addresses vanished with the link; that is fine")
            assertSameNetworkState(try clientState(topo), before, "as before")
            XCTAssertEqual(try resolv.read(), originalResolvConf)
            XCTAssertEqual(states.recordedInterfaces(), [])
        }
    }

    func testFailureHalfWayUndoesWhatWasDoneAndNamesTheChange() throws {
        try inClientNamespace { topo, nl, states, resolv in
            let tun = try TunDevice(name: tunName)
            defer { tun.close() }
            let index = try nl.link(.name(tun.name)).index
            let plan = try plan(for: tun, index: index, allowed: "0.0.0.0/0", dns: true)
            // An identical rule already there makes the second rule fail after routes, sysctl and one rule.
            try nl.addRule(plan.rules[1])
            let before = try clientState(topo)
            XCTAssertThrowsError(try NetworkSetup(applying: plan, socket: nl, stateDirectory: states,
                                                        resolvConf: resolv)) { error in
                XCTAssertEqual("\(error)", "cannot add rule \(plan.rules[1]): File exists")
            }
            assertSameNetworkState(try clientState(topo), before, "the partial setup was undone")
            XCTAssertEqual(try resolv.read(), originalResolvConf)
            XCTAssertEqual(states.recordedInterfaces(), [], "no state left")
            try nl.removeRule(plan.rules[1])
        }
    }

    func testApplyRefusesWhileAnEarlierRunsStateIsThere() throws {
        try inClientNamespace { topo, nl, states, resolv in
            let tun = try TunDevice(name: tunName)
            defer { tun.close() }
            try states.save(SetupState(interfaceName: tunName, originalSysctls: ["net.ipv4.conf.all.src_valid_mark": "0"]))
            let before = try clientState(topo)
            let plan = try NetworkPlan(config: config(allowed: "0.0.0.0/0", dns: false), interfaceName: tun.name,
                                             interfaceIndex: try nl.link(.name(tun.name)).index)
            XCTAssertThrowsError(try NetworkSetup(applying: plan, socket: nl, stateDirectory: states,
                                                        resolvConf: resolv)) { error in
                XCTAssertTrue("\(error)".contains("run `tunnel client --cleanup --interface \(tunName)` first"), "\(error)")
            }
            assertSameNetworkState(try clientState(topo), before, "nothing changed")
            XCTAssertNotNil(try states.load(for: tunName), "the earlier state is kept for cleanup")
        }
    }

    // MARK: helpers

    /// What the client namespace looks like, plus the one sysctl a full tunnel changes.
    private func clientState(_ topo: Topology) throws -> [String: String] {
        try topo.networkState("client", sysctls: ["net.ipv4.conf.all.src_valid_mark"])
    }

    private func plan(for tun: TunDevice, index: Int32, allowed: String, dns: Bool) throws -> NetworkPlan {
        try NetworkPlan(config: config(allowed: allowed, dns: dns), interfaceName: tun.name, interfaceIndex: index)
    }
}
