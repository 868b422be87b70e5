// `tunnel peer add|list|remove` as a user runs them: the real binary on a server config
// in a temporary directory, then the configs it wrote loaded into two Debian
// wireguard-go interfaces that must complete a handshake and pass pings.
import Foundation
import TestSupport
import XCTest
import Addresses
import Config
import Peers
import WireGuard

final class PeerCommandSystemTests: XCTestCase {
    private var dir = ""
    private var path: String { dir + "/tunnel/server.conf" }

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("peercmd-\(UUID())").path
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    private func tunnel(_ args: String...) throws -> CommandResult { try tunnel(args) }

    private func tunnel(_ args: [String]) throws -> CommandResult {
        guard let bin = SystemTestEnvironment.tunnelBinary else { throw MissingPrerequisite(description: "no tunnel binary") }
        return try Command.run([bin] + args, timeout: 30)
    }

    /// Runs the binary, expecting success; returns stdout.
    private func tunnelOK(_ args: String..., file: StaticString = #filePath, line: UInt = #line) throws -> String {
        guard let bin = SystemTestEnvironment.tunnelBinary else { throw MissingPrerequisite(description: "no tunnel binary") }
        let r = try Command.run([bin] + args, timeout: 30)
        XCTAssertEqual(r.status, 0, "tunnel \(args.joined(separator: " ")): \(r.stderr)", file: file, line: line)
        return r.stdout
    }

    private func assertOneLineFailure(_ r: CommandResult, mentions expected: String,
                                      file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 1, file: file, line: line)
        let message = r.stderr.trimmingCharacters(in: .newlines)
        XCTAssertTrue(message.contains(expected), "'\(message)' should mention '\(expected)'", file: file, line: line)
        XCTAssertFalse(message.contains("\n"), "one line: \(message)", file: file, line: line)
        XCTAssertEqual(r.stdout, "", "nothing on standard output", file: file, line: line)
    }

    private func fileMode() throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    func testAddListRemoveOnAServerFile() throws {
        try requireSystemTestPrerequisites(needsTunnelBinary: true)
        assertOneLineFailure(try tunnel("peer", "add", "alice", "--config", path),
                             mentions: "no server config at \(path): run `tunnel server --listen ADDR:PORT` first")
        let created = try ServerConfigFile.createIfMissing(path: path, listen: Endpoint("192.0.2.1:51820")!)
        XCTAssertTrue(created.created)

        let aliceText = try tunnelOK("peer", "add", "alice", "--config", path)
        let alice = try WireGuardConfig(parsing: aliceText, fileName: "alice.conf")
        XCTAssertEqual(alice.peers.count, 1)
        XCTAssertEqual(alice.peers.first?.publicKey, created.publicKey)
        XCTAssertEqual(alice.peers.first?.endpoint?.description, "192.0.2.1:51820", "the endpoint the server file remembers")
        XCTAssertEqual(alice.interface.addresses.first?.description, "100.64.0.2/32")
        XCTAssertEqual(try fileMode(), 0o600)

        let bobText = try tunnelOK("peer", "add", "bob", "--config", path, "--dns", "192.0.2.53",
                                   "--endpoint", "vpn.example.net:4500", "--allowed-ips", "100.64.0.0/24,192.0.2.0/24", "--qr")
        XCTAssertTrue(bobText.hasPrefix("[Interface]"))
        XCTAssertTrue(bobText.contains("DNS = 192.0.2.53\n"), bobText)
        XCTAssertTrue(bobText.contains("Endpoint = vpn.example.net:4500\n"), bobText)
        XCTAssertTrue(bobText.contains("AllowedIPs = 100.64.0.0/24, 192.0.2.0/24\n"), bobText)
        XCTAssertTrue(bobText.contains("\u{2588}"), "--qr prints a QR code after the config")
        XCTAssertEqual(try fileMode(), 0o600)

        let list = try tunnelOK("peer", "list", "--config", path)
        let rows = list.split(separator: "\n").map(String.init)
        XCTAssertEqual(rows.count, 3, list)
        XCTAssertTrue(rows[1].hasPrefix("alice") && rows[1].contains("100.64.0.2/32"), list)
        XCTAssertTrue(rows[2].hasPrefix("bob") && rows[2].contains("100.64.0.3/32"), list)

        assertOneLineFailure(try tunnel("peer", "add", "bob", "--config", path), mentions: "'bob' already exists")
        assertOneLineFailure(try tunnel("peer", "add", "carol", "--config", path, "--allowed-ips", "10.0.0.0/40"),
                             mentions: "--allowed-ips '10.0.0.0/40'")
        assertOneLineFailure(try tunnel("peer", "add", "no/slash", "--config", path), mentions: "invalid peer name")

        XCTAssertTrue(try tunnelOK("peer", "remove", "alice", "--config", path).contains("removed peer 'alice'"))
        assertOneLineFailure(try tunnel("peer", "remove", "alice", "--config", path), mentions: "no peer named 'alice'")
        let after = try ServerConfigFile.load(path: path)
        XCTAssertEqual(after.peers.map(\.name), ["bob"])
        XCTAssertEqual(after.interface.publicEndpoint?.description, "192.0.2.1:51820", "# Endpoint survives rewrites")
        XCTAssertEqual(try fileMode(), 0o600)
        let carol = try WireGuardConfig(parsing: try tunnelOK("peer", "add", "carol", "--config", path), fileName: "c")
        XCTAssertEqual(carol.interface.addresses.first?.description, "100.64.0.2/32", "alice's address is reused")
    }

    /// `peer set|disable|enable` through the real binary: bad values (including a negative
    /// one, which must reach our check rather than be taken for an option) are refused in
    /// one line with exit status 1 and leave the file byte for byte; good ones print a
    /// summary and show in `peer list`.
    func testSetRefusesBadInputAndChangesNothing() throws {
        try requireSystemTestPrerequisites(needsTunnelBinary: true)
        _ = try ServerConfigFile.createIfMissing(path: path, listen: Endpoint("192.0.2.1:51820")!)
        _ = try tunnelOK("peer", "add", "bob", "--config", path)
        XCTAssertEqual(try tunnelOK("peer", "set", "bob", "--config", path, "--rate", "20mbit", "--quota", "50G/month"),
                       "peer 'bob': enabled, rate 20mbit, quota 50G/month, expires never\n")
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let refusals: [([String], String)] = [
            (["set", "alice", "--rate", "1mbit"], "no peer named 'alice'"),
            (["set", "bob", "--rate", "fast"], "--rate 'fast'"),
            (["set", "bob", "--quota", "-5"], "--quota '-5': a size cannot be negative"),
            (["set", "bob", "--expires", "2020-01-01T00:00:00Z"], "that is in the past"),
            (["set", "bob", "--expires-in", "soon"], "--expires-in 'soon'"),
            (["set", "bob"], "nothing to change"),
            (["disable", "carol"], "no peer named 'carol'"),
        ]
        for (args, expected) in refusals {
            assertOneLineFailure(try tunnel(["peer"] + args + ["--config", path]), mentions: expected)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before, "unchanged by \(args)")
        }
        XCTAssertTrue(try tunnelOK("peer", "disable", "bob", "--config", path).hasPrefix("peer 'bob': disabled"))
        let list = try tunnelOK("peer", "list", "--config", path)
        XCTAssertTrue(list.contains("bob   disabled  "), list)
        XCTAssertTrue(try tunnelOK("peer", "enable", "bob", "--config", path).hasPrefix("peer 'bob': enabled"))
        XCTAssertEqual(try fileMode(), 0o600)
    }

    func testHelpTextsExist() throws {
        try requireSystemTestPrerequisites(needsTunnelBinary: true)
        for sub in ["add", "list", "remove", "set", "disable", "enable"] {
            let help = try tunnelOK("peer", sub, "--help")
            XCTAssertTrue(help.contains("--config"), help)
        }
        XCTAssertTrue(try tunnelOK("peer", "add", "--help").contains("--allowed-ips"))
    }

    /// The server file and a client config `peer add` printed, stripped of wg-quick keys
    /// and loaded with `wg setconf` into two wireguard-go interfaces: they handshake and
    /// pass IPv4 and IPv6 pings, so the keys, preshared key, addresses and endpoint fit.
    func testPrintedConfigWorksWithWireGuardGo() throws {
        try requireSystemTestPrerequisites(tools: ["wg", "wireguard-go", "ping"], needsTunnelBinary: true)
        let topo = try Topology("server eth0 192.0.2.1/24 -- client eth0 192.0.2.2/24", test: self)
        let created = try ServerConfigFile.createIfMissing(path: path, listen: Endpoint("192.0.2.1:51820")!)
        XCTAssertTrue(created.created)
        _ = try tunnelOK("peer", "add", "first", "--config", path)
        let client = try WireGuardConfig(parsing: try tunnelOK("peer", "add", "phone", "--config", path), fileName: "phone")
        let server = try ServerConfigFile.load(path: path)

        let serverAddresses = server.interface.addresses.map(\.description)
        let serverSide = try wireGuardGo(topo, "server", config: server, addresses: serverAddresses)
        let clientAddresses = client.interface.addresses.map(\.description)
        let clientSide = try wireGuardGo(topo, "client", config: client, addresses: clientAddresses)
        for subnet in server.interface.addresses.map({ $0.network.description }) {
            try topo.run("client", "ip", "route", "add", subnet, "dev", clientSide.interface)
        }
        for target in server.interface.addresses.map({ $0.address.description }) {
            let out = try topo.run("client", "ping", "-c", "2", "-i", "0.2", "-W", "5", target)
            XCTAssertTrue(out.contains(" 0% packet loss"), out)
        }
        XCTAssertTrue(serverSide.hasHandshake() && clientSide.hasHandshake(), topo.processLogs)
    }

    private func wireGuardGo(_ topo: Topology, _ ns: String, config: WireGuardConfig,
                             addresses: [String]) throws -> WireGuardGoPeer {
        let go = try WireGuardGoPeer(in: topo, namespace: ns, keys: try WireGuardKeys.generate(),
                                     listenPort: config.interface.listenPort ?? 0, addresses: addresses)
        let file = topo.logDirectory.appendingPathComponent("\(ns)-setconf.conf")
        XCTAssertTrue(FileManager.default.createFile(atPath: file.path, contents: Data(config.render(.wg).utf8),
                                                     attributes: [.posixPermissions: 0o600]), "wrote \(file.path)")
        try topo.run(ns, "wg", "setconf", go.interface, file.path)
        return go
    }
}
