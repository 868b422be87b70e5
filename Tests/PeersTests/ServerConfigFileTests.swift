// The server's config file on disk: created once with safe modes, defaults and the
// remembered endpoint; saved atomically; comments survive a round trip.
import Foundation
import XCTest
import Addresses
import Config
import WireGuard
@testable import Peers

final class ServerConfigFileTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("serverconf-\(UUID())").path
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    private func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    func testCreateIfMissingWritesAPrivateFileWithDefaults() throws {
        let path = dir + "/etc/tunnel/server.conf"
        let creation = try ServerConfigFile.createIfMissing(path: path, listen: Endpoint("192.0.2.1:51820")!)
        XCTAssertTrue(creation.created)
        XCTAssertEqual(try mode(path), 0o600)
        XCTAssertEqual(try mode(dir + "/etc/tunnel"), 0o700)
        let config = try ServerConfigFile.load(path: path)
        XCTAssertEqual(X25519.publicKey(for: config.interface.privateKey), creation.publicKey)
        XCTAssertEqual(config.interface.listenPort, 51820)
        XCTAssertEqual(config.interface.addresses.first?.description, "100.64.0.1/24")
        let ula = try XCTUnwrap(config.interface.addresses.last)
        XCTAssertEqual(config.interface.addresses.count, 2)
        XCTAssertTrue(ula.description.hasPrefix("fd") && ula.description.hasSuffix("::1/64"), ula.description)
        XCTAssertEqual(config.interface.publicEndpoint, PeerEndpoint(host: "192.0.2.1", port: 51820))
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.contains("# Endpoint = 192.0.2.1:51820\n"), text)
        XCTAssertTrue(config.peers.isEmpty)
    }

    func testExistingFileIsLeftAlone() throws {
        let path = dir + "/server.conf"
        let first = try ServerConfigFile.createIfMissing(path: path, listen: Endpoint("0.0.0.0:51820")!)
        let before = try String(contentsOfFile: path, encoding: .utf8)
        let second = try ServerConfigFile.createIfMissing(path: path, listen: Endpoint("0.0.0.0:4000")!)
        XCTAssertFalse(second.created)
        XCTAssertEqual(second.publicKey, first.publicKey)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), before)
    }

    func testWildcardListenRemembersNoEndpointAndGivenAddressesWin() throws {
        let path = dir + "/server.conf"
        let addresses = [try IPPrefix(parsing: "10.9.0.1/24")]
        _ = try ServerConfigFile.createIfMissing(path: path, listen: Endpoint("[::]:51821")!, addresses: addresses)
        let config = try ServerConfigFile.load(path: path)
        XCTAssertNil(config.interface.publicEndpoint)
        XCTAssertEqual(config.interface.addresses, addresses)
        XCTAssertEqual(config.interface.listenPort, 51821)
        XCTAssertFalse(try String(contentsOfFile: path, encoding: .utf8).contains("Endpoint"))
    }

    func testIPv6ListenIsRememberedWithBrackets() {
        XCTAssertEqual(ServerConfigFile.publicEndpoint(for: Endpoint("[2001:db8::1]:51820")!)?.description,
                       "[2001:db8::1]:51820")
        XCTAssertNil(ServerConfigFile.publicEndpoint(for: Endpoint("0.0.0.0:1")!))
    }

    func testUniqueLocalAddressFormat() throws {
        let fixed = UniqueLocalPrefix.serverAddress(globalID: [0x12, 0x34, 0x56, 0x78, 0x9a])
        XCTAssertEqual(fixed.description, "fd12:3456:789a::1/64")
        let random = UniqueLocalPrefix.generateServerAddress()
        XCTAssertEqual(random.length, 64)
        guard case .v6(let a) = random.address else { return XCTFail("not IPv6") }
        XCTAssertEqual(a.high >> 56, 0xfd, "fd00::/8")
        XCTAssertEqual(a.high & 0xffff, 0, "subnet ID 0")
        XCTAssertEqual(a.low, 1, "the server is ::1")
        let others = (0..<8).map { _ in UniqueLocalPrefix.generateServerAddress() }
        XCTAssertGreaterThan(Set(others).count, 1, "the 40-bit Global ID is random")
    }

    func testSaveRoundTripKeepsNamesAndEndpointAndMode() throws {
        let path = dir + "/server.conf"
        _ = try ServerConfigFile.createIfMissing(path: path, listen: Endpoint("198.51.100.7:443")!)
        try ServerConfigFile.update(path: path) { config in
            var registry = PeerRegistry(config: config)
            _ = try registry.add(name: "alice")
            _ = try registry.add(name: "bob")
            config = registry.config
        }
        XCTAssertEqual(try mode(path), 0o600, "the replacement is private too")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.contains("# Name = alice\n") && text.contains("# Name = bob\n"), text)
        XCTAssertTrue(text.contains("# Endpoint = 198.51.100.7:443\n"), text)
        let loaded = try ServerConfigFile.load(path: path)
        XCTAssertEqual(loaded.peers.map(\.name), ["alice", "bob"])
        XCTAssertEqual(loaded.interface.publicEndpoint?.description, "198.51.100.7:443")
        XCTAssertEqual(loaded.render(), text, "rendering is stable")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir)
        XCTAssertEqual(leftovers, ["server.conf"], "no temporary file is left behind")
    }

    func testFailedUpdateSavesNothing() throws {
        let path = dir + "/server.conf"
        _ = try ServerConfigFile.createIfMissing(path: path, listen: Endpoint("0.0.0.0:51820")!)
        let before = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertThrowsError(try ServerConfigFile.update(path: path) { config in
            var registry = PeerRegistry(config: config)
            _ = try registry.add(name: "alice")  // no endpoint known: throws
            config = registry.config
        })
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), before)
    }

    func testMissingFileSaysHowToCreateIt() {
        let path = dir + "/nope.conf"
        XCTAssertThrowsError(try ServerConfigFile.load(path: path)) { error in
            XCTAssertEqual(error as? PeerManagementError, .noServerConfig(path: path))
            XCTAssertEqual("\(error)", "no server config at \(path): run `tunnel server --listen ADDR:PORT` first")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir), "loading creates nothing")
    }
}
