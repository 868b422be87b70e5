import Config
import Foundation
import Peers
import XCTest

/// Servers sharing their peers in a real three-member etcd (EtcdCluster), with `tunnel peer`
/// commands run from other hosts (namespaces):
///
///   etcd1-3, client 198.51.100.11-13, .100 ---- bridge ---- aserver .21, bserver .22
///   vpn 192.0.2.2 -- 192.0.2.1 aserver          vpn 192.0.2.130 -- 192.0.2.129 bserver
///
/// An invited client enrols through one server, is known to both within a second, is cut
/// off by both when disabled through either, and is back through the other within 40 s
/// when its server is killed; concurrent adds from two hosts get distinct addresses; an
/// invite raced on two servers is accepted once; etcd down leaves clients online and
/// changes refused in one line, and everything converges when it returns; `peer import`
/// copies a file-based server once.
final class ClusterSystemTests: XCTestCase {
    static let tools = ["etcd", "etcdctl", "wg", "ping", "nft"]
    static let serverA = "192.0.2.1:51820", serverB = "192.0.2.129:51820"
    static let lab = """
        aserver eth0 198.51.100.21/24 -- lan p5
        bserver eth0 198.51.100.22/24 -- lan p6
        vpn eth0 192.0.2.2/25 -- aserver eth1 192.0.2.1/25
        vpn eth1 192.0.2.130/25 -- bserver eth1 192.0.2.129/25
        """
    /// The bounds: a change everywhere within 5 s, a client back within 40 s, a
    /// refused command within 15 s.
    static let changeSeconds: TimeInterval = 5
    static let backSeconds: TimeInterval = 40
    static let refusalSeconds: TimeInterval = 15

    private var etcd: EtcdCluster!
    private var topo: Topology { etcd.topo }
    private var urls: String { etcd.clientURLs.joined(separator: ",") }

    /// --etcd-cacert, --etcd-cert and --etcd-key when the cluster runs with TLS.
    private var tlsArguments: [String] = []

    private func makeCluster(tls: Bool = false) throws {
        try requireSystemTestPrerequisites(tools: Self.tools + (tls ? ["openssl"] : []), needsTunnelBinary: true)
        etcd = try EtcdCluster(test: self, tls: tls, extra: Self.lab)
        if let c = etcd.certificates {
            chmod(c.clientKeyFile, 0o600)
            tlsArguments = ["--etcd-cacert", c.caFile, "--etcd-cert", c.clientCertificateFile, "--etcd-key", c.clientKeyFile]
        }
    }

    private func server(_ namespace: String, id: String, copying other: TunnelServerProcess? = nil) throws -> TunnelServerProcess {
        try TunnelServerProcess(in: topo, namespace: namespace,
                                extraArguments: ["--nat", "off", "--etcd", urls, "--server-id", id] + tlsArguments,
                                configContents: try other.map { try String(contentsOfFile: $0.configPath, encoding: .utf8) })
    }

    /// `tunnel peer ARGS --config CONFIG --etcd ...` run on host `namespace`.
    @discardableResult
    private func peer(_ args: [String], config: String, on namespace: String = "client",
                      timeout: TimeInterval = 60) throws -> CommandResult {
        try topo.attempt(namespace, [SystemTestEnvironment.tunnelBinary!, "peer"] + args
                            + ["--config", config, "--etcd", urls] + tlsArguments, timeout: timeout)
    }

    private func peerKeys(_ server: TunnelServerProcess) -> Set<String> {
        let out = (try? topo.run(server.namespace, "wg", "show", server.interface, "peers")) ?? ""
        return Set(out.split(separator: "\n").map(String.init))
    }

    private func reachesServer(_ namespace: String = "vpn") -> Bool {
        (try? topo.attempt(namespace, ["ping", "-c", "1", "-W", "1", "100.64.0.1"]).status) == 0
    }

    private func listing(_ config: String) throws -> [[String: Any]] {
        let result = try peer(["list", "--json"], config: config)
        XCTAssertEqual(result.status, 0, result.stderr)
        return (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]) ?? []
    }

    /// A server config with only [Interface], as `tunnel server` writes on a first run.
    private func interfaceOnlyConfig(_ name: String) throws -> String {
        let path = topo.logDirectory.appendingPathComponent(name).path
        try ServerConfigFile.save(ServerConfigFile.newConfig(listen: .init("192.0.2.1:51820")!,
                                                             addresses: [try .init(parsing: "100.64.0.1/24"),
                                                                         try .init(parsing: "2001:db8:100::1/64")]),
                                  path: path)
        return path
    }

    func testServersShareAnEnrolledClientObeyADisableFromEitherAndSurviveAKill() throws {
        try makeCluster()
        let a = try server("aserver", id: "a")
        let b = try server("bserver", id: "b", copying: a)
        let code = try peer(["invite", "alice", "--endpoint", Self.serverA], config: a.configPath)
        XCTAssertEqual(code.status, 0, code.stderr)
        let alice = try TunnelProcess(in: topo, namespace: "vpn", invite: String(code.stdout.prefix { $0 != "\n" }),
                                      extraArguments: ["--connect", Self.serverA, "--connect", Self.serverB])
        XCTAssertTrue(topo.waitUntil(timeout: 15) { reachesServer() }, alice.log)
        XCTAssertTrue(a.log.contains("enrolled 'alice'"), a.log)
        // B learns alice from etcd without a word to it, and only alice's own key is kept.
        XCTAssertTrue(topo.waitUntil(timeout: Self.changeSeconds) { peerKeys(b) == [alice.keys.publicKey] },
                      "b: \(peerKeys(b))\n\(b.log.suffix(2000))")
        // A keeps the spent invite's key a while, to answer a client whose answer was lost.
        XCTAssertTrue(peerKeys(a).contains(alice.keys.publicKey))
        XCTAssertEqual(try etcd.etcdctl("get", "/tunnel/servers/", "--prefix", "--keys-only")
                        .split(separator: "\n").map(String.init), ["/tunnel/servers/a", "/tunnel/servers/b"])
        XCTAssertFalse(try etcd.etcdctl("get", "/tunnel/", "--prefix").contains(alice.keys.privateKey))

        // Disabled through B's host: both servers drop her; enabled through A's: both take her back.
        let disabled = try peer(["disable", "alice"], config: b.configPath, on: "bserver")
        XCTAssertEqual(disabled.status, 0, disabled.stderr)
        XCTAssertTrue(topo.waitUntil(timeout: Self.changeSeconds) {
            !peerKeys(a).contains(alice.keys.publicKey) && peerKeys(b).isEmpty
        }, "a: \(peerKeys(a)) b: \(peerKeys(b))")
        XCTAssertEqual(try listing(a.configPath).first?["state"] as? String, "disabled")
        let enabled = try peer(["enable", "alice"], config: a.configPath, on: "aserver")
        XCTAssertEqual(enabled.status, 0, enabled.stderr)
        XCTAssertTrue(topo.waitUntil(timeout: Self.changeSeconds) {
            peerKeys(a).contains(alice.keys.publicKey) && peerKeys(b) == [alice.keys.publicKey]
        })
        XCTAssertTrue(topo.waitUntil(timeout: 20) { reachesServer() }, alice.log)

        // A dies without a word: alice moves to B by herself.
        a.process.signal(SIGKILL)
        XCTAssertNotNil(a.process.wait(timeout: 5))
        XCTAssertTrue(topo.waitUntil(timeout: Self.backSeconds) { reachesServer() },
                      "back through B:\n\(alice.log.suffix(3000))")
        let endpoints = try topo.run("vpn", "wg", "show", alice.interface, "endpoints")
        XCTAssertTrue(endpoints.hasSuffix("\t\(Self.serverB)\n"), endpoints)
        let handshakes = try topo.run("bserver", "wg", "show", b.interface, "latest-handshakes")
        XCTAssertTrue(handshakes.hasPrefix(alice.keys.publicKey + "\t") && !handshakes.hasSuffix("\t0\n"), handshakes)
        // And through B's tunnel: its interface counts the ping both ways.
        let before = try topo.linkPackets("bserver", b.interface)
        XCTAssertTrue(reachesServer())
        let after = try topo.linkPackets("bserver", b.interface)
        XCTAssertEqual(after.rx - before.rx, 1)
        XCTAssertEqual(after.tx - before.tx, 1)
        // A's registration goes with its lease.
        XCTAssertTrue(topo.waitUntil(timeout: 15) {
            (try? etcd.etcdctl("get", "/tunnel/servers/", "--prefix", "--keys-only"))?
                .split(separator: "\n").map(String.init) == ["/tunnel/servers/b"]
        })
    }

    func testConcurrentAddsFromTwoHostsGetDistinctAddresses() throws {
        try makeCluster()
        let configs = ["client": try interfaceOnlyConfig("host1.conf"), "aserver": try interfaceOnlyConfig("host2.conf")]
        var adds: [(String, BackgroundProcess)] = []
        for i in 0..<20 {
            let host = i % 2 == 0 ? "client" : "aserver"
            let name = "p\(i)"
            adds.append((name, try topo.spawnTunnel(host, name: "add-\(name)",
                                                    ["peer", "add", name, "--config", configs[host]!, "--etcd", urls])))
        }
        for (name, process) in adds {
            XCTAssertEqual(process.wait(timeout: 60), 0, "\(name): \(process.log)")
        }
        let rows = try listing(configs["client"]!)
        XCTAssertEqual(Set(rows.compactMap { $0["name"] as? String }), Set((0..<20).map { "p\($0)" }))
        let addresses = rows.flatMap { ($0["addresses"] as? [String]) ?? [] }
        XCTAssertEqual(addresses.count, 40, "one IPv4 and one IPv6 address each: \(addresses)")
        XCTAssertEqual(Set(addresses).count, 40, "all distinct: \(addresses.sorted())")
        let v4 = Set(addresses.filter { $0.hasPrefix("100.64.0.") })
        XCTAssertEqual(v4, Set((2...21).map { "100.64.0.\($0)/32" }), "the first 20 free addresses, none skipped twice")
        // The allocation keys agree: one per address, one per name.
        XCTAssertEqual(try etcd.etcdctl("get", "/tunnel/addresses/", "--prefix", "--keys-only")
                        .split(separator: "\n").count, 40)
        XCTAssertEqual(try etcd.etcdctl("get", "/tunnel/names/", "--prefix", "--keys-only")
                        .split(separator: "\n").count, 20)
        // A name taken on one host is refused on the other, in one line.
        let again = try peer(["add", "p3"], config: configs["client"]!)
        assertOneLineFailure(again, mentions: "a peer named 'p3' already exists")
    }

    func testAnInviteRacedOnTwoServersIsAcceptedOnce() throws {
        try makeCluster()
        let a = try server("aserver", id: "a")
        let b = try server("bserver", id: "b", copying: a)
        let code = try peer(["invite", "carol", "--endpoint", Self.serverA], config: a.configPath)
        XCTAssertEqual(code.status, 0, code.stderr)
        let text = String(code.stdout.prefix { $0 != "\n" })
        // Both servers serve the invite before the race starts.
        XCTAssertTrue(topo.waitUntil(timeout: Self.changeSeconds) { peerKeys(a).count == 1 && peerKeys(b).count == 1 })
        var racers: [(String, BackgroundProcess, String)] = []
        for (label, connect) in [("via-a", Self.serverA), ("via-b", Self.serverB)] {
            let config = topo.logDirectory.appendingPathComponent("\(label).conf").path
            racers.append((label, try topo.spawnTunnel("vpn", name: "enrol-\(label)",
                                                       ["client", "--invite", text, "--config", config, "--connect", connect,
                                                        "--interface", topo.uniqueInterfaceName("e" + label.suffix(1))]),
                           config))
        }
        XCTAssertTrue(topo.waitUntil(timeout: 40) { racers.filter { $0.1.isRunning }.count <= 1 },
                      racers.map { "\($0.0): \($0.1.log)" }.joined(separator: "\n"))
        let winners = racers.filter { FileManager.default.fileExists(atPath: $0.2) }
        XCTAssertEqual(winners.count, 1, racers.map { "\($0.0): \($0.1.log)" }.joined(separator: "\n"))
        for loser in racers where !FileManager.default.fileExists(atPath: loser.2) {
            XCTAssertTrue(loser.1.log.contains("the code is used, expired or unknown"), "\(loser.0): \(loser.1.log)")
        }
        let rows = try listing(a.configPath)
        XCTAssertEqual(rows.map { $0["name"] as? String }, ["carol"])
        XCTAssertEqual(rows.first?["state"] as? String, "active", "a peer, not a pending invite")
        XCTAssertEqual(try etcd.etcdctl("get", "/tunnel/invites/", "--prefix", "--keys-only"), "", "the invite is burnt")
        XCTAssertEqual(a.log.components(separatedBy: "enrolled 'carol'").count + b.log.components(separatedBy: "enrolled 'carol'").count - 2,
                       1, "one server enrolled her")
    }

    func testEtcdDownKeepsClientsOnlineRefusesChangesAndConvergesWhenBack() throws {
        try makeCluster()
        let a = try server("aserver", id: "a")
        let config = try XCTUnwrap(try peer(["add", "alice", "--endpoint", Self.serverA], config: a.configPath).stdout)
        let alice = try TunnelProcess(in: topo, namespace: "vpn", keys: try WireGuardKeys.generate(), config: config)
        XCTAssertTrue(topo.waitUntil(timeout: 15) { reachesServer() }, alice.log)

        // One member down: commands go to the others.
        etcd.kill("etcd1")
        let bob = try peer(["add", "bob", "--endpoint", Self.serverA], config: a.configPath)
        XCTAssertEqual(bob.status, 0, bob.stderr)
        XCTAssertTrue(topo.waitUntil(timeout: Self.changeSeconds) { peerKeys(a).count == 2 }, a.log.suffix(2000).description)

        // Every member down: alice stays online through the tunnel, changes are refused.
        let mark = a.log.count
        etcd.kill("etcd2")
        etcd.kill("etcd3")
        XCTAssertTrue(topo.waitUntil(timeout: 20) { a.log.dropFirst(mark).contains("lost etcd") }, a.log.suffix(2000).description)
        // Counted by nft, not the link: the kernel's own IPv6 traffic on the link may come
        // and go in the same second.
        try topo.countEchoes("vpn", on: alice.interface)
        let pings = try topo.run("vpn", "ping", "-c", "3", "-i", "0.2", "-W", "2", "100.64.0.1")
        XCTAssertTrue(pings.contains("3 received"), pings)
        let echoes = try topo.echoes("vpn")
        XCTAssertEqual(echoes.requests, 3, "echo requests into alice's tunnel")
        XCTAssertEqual(echoes.replies, 3, "echo replies out of it")
        let refused = try peer(["disable", "alice"], config: a.configPath, timeout: Self.refusalSeconds)
        assertOneLineFailure(refused, mentions: "no etcd member answered")
        XCTAssertEqual(peerKeys(a).count, 2, "nothing changed on the server")

        // Back: the change goes through and the running server obeys it, no restart.
        for member in EtcdCluster.members { try etcd.start(member) }
        try etcd.waitHealthy(EtcdCluster.members)
        let disabled = try peer(["disable", "alice"], config: a.configPath)
        XCTAssertEqual(disabled.status, 0, disabled.stderr)
        XCTAssertTrue(topo.waitUntil(timeout: 20) { peerKeys(a).count == 1 }, a.log.suffix(3000).description)
        XCTAssertTrue(a.log.dropFirst(mark).contains("etcd answers again"), a.log.suffix(3000).description)
        XCTAssertTrue(a.process.isRunning)
    }

    /// etcd with TLS and client certificates, as Docs/cluster.md advises (the preshared
    /// keys are in etcd): the server and the commands work with the CA, certificate and key;
    /// the same from TUNNEL_ETCD... variables; without a certificate, or with a key others
    /// can read, a command fails in one line.
    func testServersAndCommandsWorkOverTLSWithClientCertificates() throws {
        try makeCluster(tls: true)
        let certificates = try XCTUnwrap(etcd.certificates)
        XCTAssertTrue(urls.hasPrefix("https://"), urls)
        let a = try server("aserver", id: "a")
        let added = try peer(["add", "alice", "--endpoint", Self.serverA], config: a.configPath)
        XCTAssertEqual(added.status, 0, added.stderr)
        XCTAssertTrue(topo.waitUntil(timeout: Self.changeSeconds) { peerKeys(a).count == 1 }, a.log.suffix(2000).description)

        let bin = SystemTestEnvironment.tunnelBinary!
        let viaEnvironment = try topo.attempt("client", ["env", "TUNNEL_ETCD=\(urls)", "TUNNEL_ETCD_CACERT=\(certificates.caFile)",
                                                         "TUNNEL_ETCD_CERT=\(certificates.clientCertificateFile)",
                                                         "TUNNEL_ETCD_KEY=\(certificates.clientKeyFile)",
                                                         bin, "peer", "list", "--config", a.configPath])
        XCTAssertEqual(viaEnvironment.status, 0, viaEnvironment.stderr)
        XCTAssertTrue(viaEnvironment.stdout.contains("alice"), viaEnvironment.stdout)

        let withoutCertificate = try topo.attempt("client", [bin, "peer", "list", "--config", a.configPath, "--etcd", urls,
                                                             "--etcd-cacert", certificates.caFile])
        assertOneLineFailure(withoutCertificate, mentions: "etcd")
        XCTAssertFalse(withoutCertificate.stdout.contains("alice"))

        let readable = topo.logDirectory.appendingPathComponent("readable.key").path
        try FileManager.default.copyItem(atPath: certificates.clientKeyFile, toPath: readable)
        chmod(readable, 0o644)
        let refused = try topo.attempt("client", [bin, "peer", "list", "--config", a.configPath, "--etcd", urls,
                                                  "--etcd-cacert", certificates.caFile,
                                                  "--etcd-cert", certificates.clientCertificateFile, "--etcd-key", readable])
        assertOneLineFailure(refused, mentions: "readable by every user")
    }

    /// A member that hangs (SIGSTOP: the kernel still holds its connections, nothing
    /// answers) leaves the server's watch on it silent without breaking it: the server
    /// notices that a change it has not been told of exists, watches again through another
    /// member, and obeys the change. (The server's client starts at etcd1, so its watch is
    /// there.)
    func testAServerWhoseWatchHangsCatchesUpThroughAnotherMember() throws {
        try makeCluster()
        let a = try server("aserver", id: "a")
        let config = try peer(["add", "alice", "--endpoint", Self.serverA], config: a.configPath)
        XCTAssertEqual(config.status, 0, config.stderr)
        XCTAssertTrue(topo.waitUntil(timeout: Self.changeSeconds) { peerKeys(a).count == 1 })
        etcd.pause("etcd1")
        defer { etcd.resume("etcd1") }
        let disabled = try peer(["disable", "alice"], config: a.configPath)
        XCTAssertEqual(disabled.status, 0, disabled.stderr)
        XCTAssertTrue(topo.waitUntil(timeout: 30) { peerKeys(a).isEmpty }, a.log.suffix(3000).description)
        XCTAssertTrue(a.log.contains("delivers nothing"), a.log.suffix(3000).description)
    }

    func testImportCopiesAFileServerOnceAndAnEtcdServerRefusesPeersInItsFile() throws {
        try makeCluster()
        let file = try interfaceOnlyConfig("file-server.conf")
        for name in ["alice", "bob"] {
            _ = try Command.check([SystemTestEnvironment.tunnelBinary!, "peer", "add", name, "--config", file])
        }
        _ = try Command.check([SystemTestEnvironment.tunnelBinary!, "peer", "set", "bob", "--quota", "5G/month", "--config", file])
        _ = try Command.check([SystemTestEnvironment.tunnelBinary!, "peer", "invite", "carol", "--config", file])
        let local = try WireGuardConfig(parsing: try String(contentsOfFile: file, encoding: .utf8), fileName: file)

        let first = try topo.attempt("client", [SystemTestEnvironment.tunnelBinary!, "peer", "import", "--from", file,
                                                "--etcd", urls])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(first.stdout.split(separator: "\n").map(String.init),
                       ["'alice': imported (\(local.peers[0].allowedIPs.map(\.description).joined(separator: ", ")))",
                        "'bob': imported (\(local.peers[1].allowedIPs.map(\.description).joined(separator: ", ")))",
                        "invite for 'carol': imported"])
        let second = try topo.attempt("client", [SystemTestEnvironment.tunnelBinary!, "peer", "import", "--from", file,
                                                 "--etcd", urls])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(second.stdout, "'alice': already there, left as it is\n'bob': already there, left as it is\n")
        let rows = Dictionary(try listing(file).map { ($0["name"] as? String ?? "", $0) }, uniquingKeysWith: { $1 })
        XCTAssertEqual(Set(rows.keys), ["alice", "bob", "carol"])
        XCTAssertEqual(rows["alice"]?["public_key"] as? String, local.peers[0].publicKey.base64)
        XCTAssertEqual(rows["bob"]?["public_key"] as? String, local.peers[1].publicKey.base64)
        XCTAssertEqual(rows["bob"]?["quota_bytes"] as? Int, 5_000_000_000, "\(rows)")
        XCTAssertEqual(rows["carol"]?["state"] as? String, "invited")

        // The file still has its [Peer] sections: a server with --etcd refuses it, in one line.
        let refused = try topo.attempt("aserver", [SystemTestEnvironment.tunnelBinary!, "server", "--listen", "0.0.0.0:51820",
                                                   "--config", file, "--nat", "off", "--etcd", urls,
                                                   "--interface", topo.uniqueInterfaceName("sref")])
        assertOneLineFailure(refused, mentions: "tunnel peer import --from")
    }
}
