import Config
import Foundation
import XCTest

/// `tunnel peer invite` and `tunnel client --invite`: a client enrols with a one-time code
/// over the server's UDP port, makes its own key pair (the server never holds the private
/// key) and is online; a code works once, even when two clients race with it; used,
/// withdrawn, expired and malformed codes fail clearly and write nothing.
final class InviteSystemTests: XCTestCase {
    static let tools = ["wg", "ping"]
    /// The client gives up after 20 s; a little more for a loaded machine.
    static let refusalSeconds: TimeInterval = 40

    private func makeLab() throws -> (Topology, TunnelServerProcess) {
        let topo = try Topology(ServerLab.topology(), test: self)
        return (topo, try TunnelServerProcess(in: topo, namespace: "server"))
    }

    private func serverFiles(_ server: TunnelServerProcess) -> String {
        [server.configPath, server.configPath + ".invites.json"]
            .compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }.joined(separator: "\n")
    }

    private func serverPeers(_ server: TunnelServerProcess) throws -> [String?] {
        try WireGuardConfig(parsing: try String(contentsOfFile: server.configPath, encoding: .utf8),
                            fileName: server.configPath).peers.map(\.name)
    }

    func testAnInvitedClientEnrolsWithItsOwnKeyAndIsOnline() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let (topo, server) = try makeLab()
        let code = try server.invite("alice", endpoint: ServerLab.endpoints["client1"]!)
        XCTAssertNotNil(code.range(of: "^[A-Za-z0-9_-]{100,200}$", options: .regularExpression), "one URL-safe word: \(code)")
        XCTAssertFalse(serverFiles(server).contains(code), "the server keeps no plain code")

        // The code on standard input: no process's command line shows it.
        let alice = try TunnelProcess(in: topo, namespace: "client1", invite: code, codeOnStandardInput: true)
        let commandLines = (try FileManager.default.contentsOfDirectory(atPath: "/proc")).compactMap { pid in
            pid.allSatisfy(\.isNumber) ? FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") : nil
        }
        XCTAssertFalse(commandLines.isEmpty)
        XCTAssertFalse(commandLines.contains { String(decoding: $0, as: UTF8.self).contains(code) }, "the code is in a command line")
        XCTAssertTrue(commandLines.contains { String(decoding: $0, as: UTF8.self).contains("--invite\u{0}-\u{0}") },
                      "the client runs with --invite -")
        let attributes = try FileManager.default.attributesOfItem(atPath: alice.configPath)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600, "the client's config is private")
        XCTAssertTrue(server.log.contains("enrolled 'alice'"), server.log)
        XCTAssertEqual(try serverPeers(server), ["alice"])
        XCTAssertTrue(serverFiles(server).contains(alice.keys.publicKey), "the server knows alice's public key")
        XCTAssertFalse(serverFiles(server).contains(alice.keys.privateKey), "and never held her private key")
        XCTAssertFalse(serverFiles(server).contains("\"name\" : \"alice\""), "the invite is burnt")

        // Online through the tunnel: three pings out of and back into her interface.
        XCTAssertTrue(topo.waitUntil(timeout: 15) {
            (try? topo.attempt("client1", ["ping", "-c", "1", "-W", "1", ServerLab.internet]).status) == 0
        }, alice.log)
        let before = try topo.linkPackets("client1", alice.interface)
        let out = try topo.run("client1", ["ping", "-c", "3", "-i", "0.2", "-W", "2", ServerLab.internet])
        XCTAssertTrue(out.contains("3 received"), out)
        let after = try topo.linkPackets("client1", alice.interface)
        XCTAssertEqual(after.tx - before.tx, 3, "the requests went into the tunnel")
        XCTAssertEqual(after.rx - before.rx, 3, "the replies came out of it")

        // A later run needs only the file it wrote.
        alice.process.signal(SIGTERM)
        XCTAssertEqual(alice.process.wait(timeout: 10), 0, alice.log)
        let again = try TunnelProcess(in: topo, namespace: "client1", keys: alice.keys,
                                      config: try String(contentsOfFile: alice.configPath, encoding: .utf8))
        XCTAssertTrue(topo.waitUntil(timeout: 15) {
            (try? topo.attempt("client1", ["ping", "-c", "1", "-W", "1", ServerLab.internet]).status) == 0
        }, again.log)
    }

    func testACodeWorksOnceAndBadCodesFailClearlyWritingNothing() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let (topo, server) = try makeLab()
        let raced = try server.invite("alice", endpoint: ServerLab.endpoints["client1"]!)
        let withdrawn = try server.invite("carol", endpoint: ServerLab.endpoints["client1"]!)
        XCTAssertEqual(try Command.check([SystemTestEnvironment.tunnelBinary!, "peer", "remove", "carol",
                                          "--config", server.configPath]).hasPrefix("withdrew the invite for 'carol'"), true)
        let expiring = try server.invite("dave", endpoint: ServerLab.endpoints["client1"]!,
                                         extraArguments: ["--expires-in", "1s"])
        let expired = Date().addingTimeInterval(1)

        // A config the client cannot write is refused before the code is used: the code
        // still works for the race below.
        let nowhere = topo.logDirectory.appendingPathComponent("missing/alice.conf").path
        let unwritable = try topo.attempt("client1", [SystemTestEnvironment.tunnelBinary!, "client", "--invite", raced,
                                                      "--config", nowhere])
        XCTAssertNotEqual(unwritable.status, 0)
        XCTAssertTrue(unwritable.stderr.contains("the code was not used"), unwritable.stderr)
        XCTAssertEqual(unwritable.stderr.split(separator: "\n").count, 1, "one line: \(unwritable.stderr)")

        // Two clients race with one code (both reach the server at 192.0.2.1 or .129).
        var clients: [(name: String, process: BackgroundProcess, config: String)] = []
        func enrol(_ label: String, _ namespace: String, _ code: String, connect: String) throws {
            let config = topo.logDirectory.appendingPathComponent("\(label).conf").path
            let p = try topo.spawnTunnel(namespace, name: "enrol-\(label)",
                                         ["client", "--invite", code, "--config", config, "--connect", connect,
                                          "--interface", topo.uniqueInterfaceName("e" + label.prefix(3))])
            clients.append((label, p, config))
        }
        try enrol("first", "client1", raced, connect: ServerLab.endpoints["client1"]!)
        try enrol("second", "client2", raced, connect: ServerLab.endpoints["client2"]!)
        try enrol("withdrawn", "client2", withdrawn, connect: ServerLab.endpoints["client2"]!)
        XCTAssertTrue(topo.waitUntil(timeout: 5) { Date() > expired }, "the short invite has expired")
        try enrol("expired", "client2", expiring, connect: ServerLab.endpoints["client2"]!)

        let malformed = try topo.attempt("client2", [SystemTestEnvironment.tunnelBinary!, "client", "--invite",
                                                     String(raced.dropLast(3)), "--config",
                                                     topo.logDirectory.appendingPathComponent("bad.conf").path])
        XCTAssertNotEqual(malformed.status, 0)
        XCTAssertEqual(malformed.stderr.split(separator: "\n").count, 1, "one line: \(malformed.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: topo.logDirectory.appendingPathComponent("bad.conf").path))

        // Exactly one racer is online; every other client gives up, saying why, and writes nothing.
        XCTAssertTrue(topo.waitUntil(timeout: Self.refusalSeconds) { clients.filter { $0.process.isRunning }.count <= 1 },
                      clients.map { "\($0.name): \($0.process.log)" }.joined(separator: "\n"))
        let running = clients.filter { $0.process.isRunning }
        XCTAssertEqual(running.count, 1, "one racer won")
        XCTAssertTrue(["first", "second"].contains(running.first?.name ?? ""), "\(running.map(\.name))")
        for client in clients where !client.process.isRunning {
            XCTAssertNotEqual(client.process.wait(timeout: 1), 0, client.name)
            XCTAssertTrue(client.process.log.contains("the code is used, expired or unknown"), "\(client.name): \(client.process.log)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: client.config), "\(client.name) wrote no config")
        }
        XCTAssertEqual(try serverPeers(server), ["alice"], "one peer, whatever the losers tried")
        running.first?.process.stop()
    }
}
