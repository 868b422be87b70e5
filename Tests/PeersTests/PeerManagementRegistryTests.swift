// PeerRegistry on in-memory configs: address allocation, names, the client config it
// produces, removal and listing.
import XCTest
import Addresses
import Config
import WireGuard
@testable import Peers

final class PeerManagementRegistryTests: XCTestCase {
    private let endpoint = PeerEndpoint(host: "vpn.example.net", port: 51820)

    private func registry(_ addresses: [String], publicEndpoint: PeerEndpoint? = nil) throws -> PeerRegistry {
        let interface = InterfaceSection(privateKey: X25519.generatePrivateKey(),
                                         addresses: try addresses.map(IPPrefix.init(parsing:)),
                                         listenPort: 51820, publicEndpoint: publicEndpoint)
        return PeerRegistry(config: WireGuardConfig(interface: interface))
    }

    private func addresses(_ added: AddedPeer) -> [String] { added.serverPeer.allowedIPs.map(\.description) }

    func testAddressesAreSequentialInEachSubnet() throws {
        var r = try registry(["100.64.0.1/24", "fd12:3456:789a::1/64"])
        let alice = try r.add(name: "alice", endpoint: endpoint)
        let bob = try r.add(name: "bob", endpoint: endpoint)
        XCTAssertEqual(addresses(alice), ["100.64.0.2/32", "fd12:3456:789a::2/128"])
        XCTAssertEqual(addresses(bob), ["100.64.0.3/32", "fd12:3456:789a::3/128"])
        XCTAssertEqual(r.config.peers.map(\.name), ["alice", "bob"], "peers appended in order")
    }

    func testServerAddressAndNetworkAreSkipped() throws {
        var r = try registry(["10.8.0.3/24"])
        XCTAssertEqual(addresses(try r.add(name: "a", endpoint: endpoint)), ["10.8.0.1/32"], "network .0 skipped")
        XCTAssertEqual(addresses(try r.add(name: "b", endpoint: endpoint)), ["10.8.0.2/32"])
        XCTAssertEqual(addresses(try r.add(name: "c", endpoint: endpoint)), ["10.8.0.4/32"], "the server's own .3 skipped")
    }

    func testGapIsReusedAfterRemove() throws {
        var r = try registry(["100.64.0.1/24"])
        for name in ["a", "b", "c"] { _ = try r.add(name: name, endpoint: endpoint) }
        let removed = try r.remove(name: "b")
        XCTAssertEqual(removed.allowedIPs.map(\.description), ["100.64.0.3/32"])
        XCTAssertEqual(addresses(try r.add(name: "d", endpoint: endpoint)), ["100.64.0.3/32"], "the freed address is reused")
        XCTAssertEqual(addresses(try r.add(name: "e", endpoint: endpoint)), ["100.64.0.5/32"])
    }

    func testExhaustionOnSlash30() throws {
        var r = try registry(["192.0.2.1/30"])
        XCTAssertEqual(addresses(try r.add(name: "only", endpoint: endpoint)), ["192.0.2.2/32"])
        XCTAssertThrowsError(try r.add(name: "more", endpoint: endpoint)) { error in
            XCTAssertEqual(error as? PeerManagementError,
                           .addressesExhausted(subnet: try! IPPrefix(parsing: "192.0.2.0/30")))
            XCTAssertTrue("\(error)".contains("no free client address left in 192.0.2.0/30"), "\(error)")
        }
        XCTAssertEqual(r.config.peers.count, 1, "a failed add changes nothing")
    }

    func testHandWrittenWiderAllowedIPsBlockTheirRange() throws {
        var r = try registry(["100.64.0.1/24"])
        r = PeerRegistry(config: {
            var c = r.config
            c.peers.append(PeerSection(publicKey: X25519.publicKey(for: X25519.generatePrivateKey()),
                                       allowedIPs: [try! IPPrefix(parsing: "100.64.0.0/29")]))
            return c
        }())
        XCTAssertEqual(addresses(try r.add(name: "a", endpoint: endpoint)), ["100.64.0.8/32"])
    }

    func testIPv6SubnetWiderThan64UsesItsFirst64() throws {
        var r = try registry(["2001:db8:100::1/48"])
        XCTAssertEqual(addresses(try r.add(name: "a", endpoint: endpoint)), ["2001:db8:100::2/128"])
    }

    func testHostOnlyServerAddressIsAnError() throws {
        var r = try registry(["100.64.0.1/32"])
        XCTAssertThrowsError(try r.add(name: "a", endpoint: endpoint)) { error in
            guard case .noClientSubnet? = error as? PeerManagementError else { return XCTFail("\(error)") }
        }
    }

    func testNamesAreValidatedAndUnique() throws {
        var r = try registry(["100.64.0.1/24"])
        for good in ["alice", "bob-2", "c_d.e", String(repeating: "x", count: 32)] {
            XCTAssertNoThrow(try PeerName.validate(good), good)
        }
        for bad in ["", "a b", "al/ice", "é", "a#b", "x=y", String(repeating: "x", count: 33)] {
            XCTAssertThrowsError(try PeerName.validate(bad), "'\(bad)' must be refused") { error in
                guard case .invalidName? = error as? PeerManagementError else { return XCTFail("\(error)") }
            }
        }
        // A letter outside ASCII is a letter to its writer: the message must say which ones count.
        XCTAssertThrowsError(try PeerName.validate("ålice")) { error in
            XCTAssertEqual((error as? PeerManagementError)?.description,
                           "invalid peer name 'ålice': use only ASCII letters (a-z, A-Z), digits, '-', '_' and '.'")
        }
        _ = try r.add(name: "alice", endpoint: endpoint)
        XCTAssertThrowsError(try r.add(name: "alice", endpoint: endpoint)) { error in
            XCTAssertEqual(error as? PeerManagementError, .nameTaken("alice"))
        }
        XCTAssertThrowsError(try r.add(name: "bad name", endpoint: endpoint))
        XCTAssertEqual(r.config.peers.count, 1)
    }

    func testClientConfigParsesBackAsAClientOfThisServer() throws {
        var r = try registry(["100.64.0.1/24", "fd00:1:2::1/64"])
        let keys = PeerKeys.generate()
        let dns = [IPAddress("192.0.2.53")!, IPAddress("2001:db8::53")!]
        let added = try r.add(name: "alice", dns: dns, endpoint: endpoint, keys: keys)
        let client = try WireGuardConfig(parsing: added.clientConfigText, fileName: "alice.conf")
        XCTAssertEqual(client.interface.privateKey, keys.privateKey)
        XCTAssertEqual(client.interface.addresses.map(\.description), ["100.64.0.2/32", "fd00:1:2::2/128"])
        XCTAssertEqual(client.interface.dns, dns)
        XCTAssertNil(client.interface.listenPort)
        XCTAssertEqual(client.peers.count, 1, "one peer: the server")
        let server = try XCTUnwrap(client.peers.first)
        XCTAssertEqual(server.publicKey, X25519.publicKey(for: r.config.interface.privateKey))
        XCTAssertEqual(server.presharedKey, keys.presharedKey)
        XCTAssertEqual(server.endpoint, endpoint)
        XCTAssertEqual(server.allowedIPs.map(\.description), ["0.0.0.0/0", "::/0"])
        XCTAssertEqual(server.persistentKeepalive, 25)
        // The server's side matches.
        let peer = try XCTUnwrap(r.config.peers.last)
        XCTAssertEqual(peer.name, "alice")
        XCTAssertEqual(peer.publicKey, keys.publicKey)
        XCTAssertEqual(peer.presharedKey, keys.presharedKey)
        XCTAssertNil(peer.endpoint, "the server learns the client's endpoint from its packets")
    }

    func testNoDNSLineWithoutDNSAndCustomAllowedIPs() throws {
        var r = try registry(["100.64.0.1/24"], publicEndpoint: endpoint)
        let split = [try IPPrefix(parsing: "100.64.0.0/24")]
        let added = try r.add(name: "a", allowedIPsForClient: split)
        XCTAssertFalse(added.clientConfigText.contains("DNS"), added.clientConfigText)
        XCTAssertTrue(added.clientConfigText.contains("AllowedIPs = 100.64.0.0/24\n"), added.clientConfigText)
        XCTAssertTrue(added.clientConfigText.contains("Endpoint = vpn.example.net:51820\n"),
                      "the remembered # Endpoint is used when none is given")
    }

    func testMissingEndpointIsAnError() throws {
        var r = try registry(["100.64.0.1/24"])
        XCTAssertThrowsError(try r.add(name: "a")) { error in
            XCTAssertEqual(error as? PeerManagementError, .noEndpoint)
            XCTAssertTrue("\(error)".contains("--endpoint"), "\(error)")
        }
    }

    func testRemoveUnknownAndList() throws {
        var r = try registry(["100.64.0.1/24"])
        let alice = try r.add(name: "alice", endpoint: endpoint)
        XCTAssertThrowsError(try r.remove(name: "bob")) { error in
            XCTAssertEqual(error as? PeerManagementError, .noSuchPeer("bob", known: ["alice"]))
        }
        let rows = r.list()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows.first?.name, "alice")
        XCTAssertEqual(rows.first?.publicKey, alice.serverPeer.publicKey)
        XCTAssertEqual(rows.first?.allowedIPs.map(\.description), ["100.64.0.2/32"])
        let table = PeerListing.table(rows).split(separator: "\n").map(String.init)
        XCTAssertEqual(table.count, 2)
        XCTAssertTrue(table[0].hasPrefix("NAME "), table[0])
        XCTAssertTrue(table[1].hasPrefix("alice "), table[1])
        XCTAssertTrue(table[1].contains(alice.serverPeer.publicKey.base64))
        XCTAssertEqual(table[0].range(of: "PUBLIC KEY")?.lowerBound.utf16Offset(in: table[0]),
                       table[1].range(of: alice.serverPeer.publicKey.base64)?.lowerBound.utf16Offset(in: table[1]),
                       "columns line up")
        try r.remove(name: "alice")
        XCTAssertTrue(r.config.peers.isEmpty)
    }
}
