// The client's routing plan for each kind of config: split tunnel, full tunnel
// per family, Table = off / a number, FwMark, duplicates and overlaps.
import Addresses
import Config
import Netlink
import XCTest
@testable import SystemSetup

final class ClientNetworkPlanTests: XCTestCase {
    let index: Int32 = 7
    let tunnelID = TunnelRouteProtocol.id

    private func plan(allowed: String, extra: String = "", table: UInt32 = 51820) throws -> NetworkPlan {
        let text = """
            [Interface]
            PrivateKey = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
            Address = 100.64.0.2/32, 2001:db8:100::2/128
            \(extra)

            [Peer]
            PublicKey = AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=
            Endpoint = 192.0.2.1:51820
            AllowedIPs = \(allowed)
            """
        let config = try WireGuardConfig(parsing: text, fileName: "test.conf")
        return try NetworkPlan(config: config, interfaceName: "tunnel0", interfaceIndex: index,
                                     routingTable: table)
    }

    private func route(_ prefix: String, table: UInt32 = RouteTable.main) -> Route {
        Route(destination: try! IPPrefix(parsing: prefix), table: table, outputLinkIndex: index, protocolID: tunnelID)
    }

    private func rules(_ family: AddressFamily, table: UInt32, mark: UInt32) -> [Rule] {
        [Rule(family: family, priority: ClientRulePriority.suppressMainDefault, action: .lookup(table: RouteTable.main),
              suppressPrefixLength: 0, protocolID: tunnelID),
         Rule(family: family, priority: ClientRulePriority.unmarkedToTunnel, action: .lookup(table: table),
              mark: FirewallMark(mark), invert: true, protocolID: tunnelID)]
    }

    func testSplitTunnelRoutesEachPrefixIntoTheInterfaceInMain() throws {
        let p = try plan(allowed: "100.64.0.0/10, 10.1.2.3/16, 2001:db8:100::/48")
        XCTAssertEqual(p.routes, [route("100.64.0.0/10"), route("10.1.0.0/16"), route("2001:db8:100::/48")],
                       "one route per prefix, host bits cleared")
        XCTAssertEqual(p.rules, [], "no policy rules")
        XCTAssertEqual(p.sysctls, [], "no sysctl")
        XCTAssertNil(p.socketMark, "the socket stays unmarked")
        XCTAssertEqual(p.fullTunnelFamilies, [])
        XCTAssertNil(p.fullTunnelTable)
        XCTAssertEqual(p.addresses.map(\.description), ["100.64.0.2/32", "2001:db8:100::2/128"])
        XCTAssertEqual(p.mtu, 1420, "wg-quick's default MTU")
        XCTAssertNil(p.resolver, "no DNS: resolv.conf untouched")
    }

    func testFullTunnelIPv4UsesTableRulesMarkAndSrcValidMark() throws {
        let p = try plan(allowed: "0.0.0.0/0, 2001:db8:100::/48")
        XCTAssertEqual(p.routes, [route("2001:db8:100::/48"), route("0.0.0.0/0", table: 51820)],
                       "IPv6 stays split; IPv4 default goes into table 51820")
        XCTAssertEqual(p.rules, rules(.ipv4, table: 51820, mark: 51820))
        XCTAssertEqual(p.sysctls, [SysctlSetting(Sysctl("net.ipv4.conf.all.src_valid_mark"), "1")])
        XCTAssertEqual(p.socketMark, 51820, "the data path marks its UDP socket with the table number")
        XCTAssertEqual(p.fullTunnelFamilies, [.ipv4])
        XCTAssertEqual(p.fullTunnelTable, 51820)
    }

    func testFullTunnelBothFamilies() throws {
        let p = try plan(allowed: "::/0, 0.0.0.0/0", table: 51821)
        XCTAssertEqual(p.routes, [route("0.0.0.0/0", table: 51821), route("::/0", table: 51821)])
        XCTAssertEqual(p.rules, rules(.ipv4, table: 51821, mark: 51821) + rules(.ipv6, table: 51821, mark: 51821),
                       "rules for both families, in the chosen table")
        XCTAssertEqual(p.sysctls, [.sourceValidMark], "src_valid_mark is an IPv4 setting only")
        XCTAssertEqual(p.fullTunnelFamilies, [.ipv4, .ipv6])
        XCTAssertEqual(p.socketMark, 51821)
    }

    func testFullTunnelIPv6Only() throws {
        let p = try plan(allowed: "::/0, 100.64.0.0/10")
        XCTAssertEqual(p.routes, [route("100.64.0.0/10"), route("::/0", table: 51820)])
        XCTAssertEqual(p.rules, rules(.ipv6, table: 51820, mark: 51820))
        XCTAssertEqual(p.sysctls, [], "no IPv4 sysctl for an IPv6-only full tunnel")
    }

    func testFwMarkIsBothTableAndMark() throws {
        let p = try plan(allowed: "0.0.0.0/0", extra: "FwMark = 0x1234")
        XCTAssertEqual(p.routes, [route("0.0.0.0/0", table: 0x1234)])
        XCTAssertEqual(p.rules, rules(.ipv4, table: 0x1234, mark: 0x1234))
        XCTAssertEqual(p.socketMark, 0x1234)
    }

    func testTableOffAddsNoRoutesAndNoRules() throws {
        let p = try plan(allowed: "0.0.0.0/0, ::/0, 10.0.0.0/8", extra: "Table = off")
        XCTAssertEqual(p.routes, [])
        XCTAssertEqual(p.rules, [])
        XCTAssertEqual(p.sysctls, [])
        XCTAssertNil(p.socketMark)
        XCTAssertEqual(p.addresses.count, 2, "addresses are still set")
    }

    func testNumericTablePutsEveryRouteThereWithoutRules() throws {
        let p = try plan(allowed: "0.0.0.0/0, 10.0.0.0/8", extra: "Table = 1234")
        XCTAssertEqual(p.routes, [route("0.0.0.0/0", table: 1234), route("10.0.0.0/8", table: 1234)])
        XCTAssertEqual(p.rules, [], "a custom table means no policy rules, as in wg-quick")
        XCTAssertNil(p.socketMark)
        XCTAssertEqual(p.fullTunnelFamilies, [])
    }

    func testNumericTableKeepsAnExplicitFwMarkForTheSocket() throws {
        let p = try plan(allowed: "0.0.0.0/0", extra: "Table = 1234\nFwMark = 77")
        XCTAssertEqual(p.socketMark, 77)
    }

    func testTableAutoAndMainNames() throws {
        XCTAssertEqual(try plan(allowed: "0.0.0.0/0", extra: "Table = auto").rules.count, 2, "auto is the default")
        XCTAssertEqual(try plan(allowed: "10.0.0.0/8", extra: "Table = main").routes, [route("10.0.0.0/8")])
    }

    func testBadTableIsAOneLineError() throws {
        for value in ["nosuchtable", "0", "255", "-1"] {
            XCTAssertThrowsError(try plan(allowed: "0.0.0.0/0", extra: "Table = \(value)")) { error in
                XCTAssertEqual(error as? NetworkSetupError, .invalidTable(value))
                XCTAssertTrue("\(error)".hasPrefix("Table = \(value): expected off, auto"), "\(error)")
                XCTAssertFalse("\(error)".contains("\n"))
            }
        }
    }

    func testPrefixesCoveredByTheFullTunnelDefaultAreSkipped() throws {
        let p = try plan(allowed: "0.0.0.0/1, 0.0.0.0/0, 128.0.0.0/1, 10.0.0.0/8, 2001:db8::/32")
        XCTAssertEqual(p.routes, [route("2001:db8::/32"), route("0.0.0.0/0", table: 51820)],
                       "IPv4 prefixes under 0.0.0.0/0 are not routed in main")
    }

    func testDuplicatePrefixesBecomeOneRoute() throws {
        let p = try plan(allowed: "10.0.0.0/8, 10.1.1.1/8, 10.0.0.0/8, 0.0.0.0/0, 0.0.0.0/0, ::/0, ::/0")
        XCTAssertEqual(p.routes, [route("0.0.0.0/0", table: 51820), route("::/0", table: 51820)])
        XCTAssertEqual(p.rules.count, 4, "one pair of rules per family")
        let split = try plan(allowed: "10.0.0.0/8, 10.1.1.1/8, 10.1.0.0/16")
        XCTAssertEqual(split.routes, [route("10.0.0.0/8"), route("10.1.0.0/16")],
                       "equal networks collapse; a more specific one is kept")
    }

    func testAllowedIPsOfEveryPeerCount() throws {
        let text = """
            [Interface]
            PrivateKey = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
            MTU = 1380
            DNS = 100.64.0.1, 2001:db8:100::1, corp.example, example.net
            [Peer]
            PublicKey = AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=
            AllowedIPs = 10.0.0.0/8
            [Peer]
            PublicKey = AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=
            AllowedIPs = 172.16.0.0/12, 10.0.0.0/8
            """
        let p = try NetworkPlan(config: try WireGuardConfig(parsing: text, fileName: "t.conf"),
                                      interfaceName: "tunnel0", interfaceIndex: index)
        XCTAssertEqual(p.routes, [route("10.0.0.0/8"), route("172.16.0.0/12")])
        XCTAssertEqual(p.mtu, 1380, "the config's MTU wins")
        XCTAssertEqual(p.resolver, ResolverConfiguration(servers: [IPAddress("100.64.0.1")!, IPAddress("2001:db8:100::1")!],
                                                         searchDomains: ["corp.example", "example.net"]))
    }

    func testRouteDescriptionNamesTheInterface() throws {
        let p = try plan(allowed: "0.0.0.0/0")
        XCTAssertEqual(p.describe(p.routes[0]), "0.0.0.0/0 dev tunnel0 table 51820")
        let error = NetworkSetupError.changeFailed(action: "add route \(p.describe(p.routes[0]))", reason: "File exists")
        XCTAssertEqual(error.description, "cannot add route 0.0.0.0/0 dev tunnel0 table 51820: File exists")
    }
}
