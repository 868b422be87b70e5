// A start that is refused changes nothing, and cleanup touches only what a dead run of
// this program left: a second server leaves the first alone, default names and state
// are per namespace, hostile state files are refused, and bad paths, privileges and
// addresses fail before the first change (issues #21 and #24).
import Addresses
import Foundation
import Netlink
import Reactor
import XCTest
@testable import SystemSetup

final class StartupSafetySystemTests: XCTestCase {
    static let tools = ["ping", "setpriv"]

    private var bin: String { SystemTestEnvironment.tunnelBinary! }

    private func makeNATLab() throws -> (Topology, TunnelServerProcess, TunnelProcess) {
        let topo = try Topology("""
            client1 eth0 192.0.2.2/24 -- server eth0 192.0.2.1/24
            server eth1 198.51.100.1/24 -- internet eth0 198.51.100.2/24
            route client1 default via 192.0.2.1
            route server default via 198.51.100.2
            ns other
            """, test: self)
        let server = try TunnelServerProcess(in: topo, namespace: "server")
        let config = try server.addPeer("alice", endpoint: "192.0.2.1:51820")
        let alice = try TunnelProcess(in: topo, namespace: "client1", keys: try WireGuardKeys.generate(), config: config)
        XCTAssertTrue(pingsThrough(topo), server.log)
        return (topo, server, alice)
    }

    private func pingsThrough(_ topo: Topology) -> Bool {
        topo.waitUntil(timeout: 15) {
            (try? topo.attempt("client1", ["ping", "-c", "1", "-W", "1", "198.51.100.2"]).status) == 0
        }
    }

    // MARK: #21 1

    func testASecondServerIsRefusedAtOnceAndTheFirstKeepsServing() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let (topo, server, _) = try makeNATLab()
        let sysctls = ["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"]
        let before = try topo.networkState("server", sysctls: sysctls)
        let logBefore = server.log
        let otherConfig = topo.logDirectory.appendingPathComponent("second.conf").path
        let running = "(pid \(server.process.pid), interface \(server.interface))"
        let cases: [(String, [String], String)] = [
            ("same config, another interface", ["--listen", "0.0.0.0:51830", "--config", server.configPath],
             "a tunnel server is already running with the config file \(server.configPath) \(running)"),
            ("same listen address", ["--listen", "192.0.2.1:51820", "--config", otherConfig, "--nat", "off"],
             "a tunnel server is already running with the listen address 0.0.0.0:51820 \(running)"),
            ("same NAT table", ["--listen", "0.0.0.0:51830", "--config", otherConfig],
             "a tunnel server is already running with routing table 51821 for its NAT \(running)"),
        ]
        for (label, arguments, message) in cases {
            let second = topo.uniqueInterfaceName("two")
            let r = try topo.attempt("server", [bin, "server", "--interface", second] + arguments)
            assertOneLineFailure(r, mentions: message)
            XCTAssertFalse(r.stderr.contains("cleaned up"), "\(label): \(r.stderr)")
            assertSameNetworkState(try topo.networkState("server", sysctls: sysctls), before, "\(label): nothing changed")
            XCTAssertFalse(FileManager.default.fileExists(atPath: otherConfig), "\(label): no config written")
        }
        XCTAssertTrue(server.process.isRunning)
        XCTAssertFalse(server.log.dropFirst(logBefore.count).contains("cleaned up"), server.log)
        XCTAssertTrue(pingsThrough(topo), "alice still reaches the internet through the NAT")
        let rules = try topo.run("server", "ip", "rule")
        XCTAssertFalse(rules.hasPrefix("0:\tfrom all lookup local"), "the local rule stays moved: \(rules)")
    }

    /// The cleanup itself, past the refusal: a start on a new name while a server runs in
    /// the namespace removes none of its rules and leaves the local rule moved.
    func testAStartingServersCleanupLeavesALiveServersRulesAlone() throws {
        try requireSystemTestPrerequisites()
        let topo = try Topology("server eth1 198.51.100.1/24 -- internet eth0 198.51.100.2/24", test: self)
        let states = try topo.stateDirectory("server")
        try topo.enter("server") {
            let nl = try NetlinkSocket()
            let tun = try TunDevice(name: topo.uniqueInterfaceName("live"))
            defer { tun.close() }
            let plan = NetworkPlan(serverInterface: tun.name, index: try nl.link(.name(tun.name)).index,
                                   addresses: [try IPPrefix(parsing: "100.64.0.1/24")], mtu: 1420,
                                   nat: ServerNATPlan(egressInterface: "eth1", families: [.ipv4], ports: 40000...40999,
                                                      table: NetworkPlan.serverNATTable), forwardIPv6: false)
            let setup = try NetworkSetup(applying: plan, socket: nl, stateDirectory: states,
                                         server: ServerRunIdentity(configPath: "/nonexistent/live.conf",
                                                                   listen: Endpoint("0.0.0.0:51820")!))
            let running = try topo.networkState("server", sysctls: ["net.ipv4.ip_forward"])
            let report = try LeftoverCleanup(socket: nl, stateDirectory: states, protocolID: TunnelRouteProtocol.server)
                .removeLeftovers(interface: topo.uniqueInterfaceName("new"), namedByUser: false)
            XCTAssertEqual(report, [], "nothing of the live server is touched")
            assertSameNetworkState(try topo.networkState("server", sysctls: ["net.ipv4.ip_forward"]), running,
                                   "rules, routes and forwarding as the live server set them")
            try setup.revert()
        }
    }

    // MARK: #21 3

    func testDefaultNamesAndStateArePerNamespace() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let topo = try Topology("""
            client1 eth0 192.0.2.2/24 -- server eth0 192.0.2.1/24
            """, test: self)
        let serverConfig = topo.logDirectory.appendingPathComponent("default-server.conf").path
        let server = try topo.spawnTunnel("server", name: "server-default",
                                          ["server", "--listen", "0.0.0.0:51820", "--config", serverConfig, "--nat", "off",
                                           "--address", "100.64.0.1/24"])
        let serverName = try waitForDefaultLink(topo, "server", server)
        let peer = try Command.check([bin, "peer", "add", "alice", "--config", serverConfig, "--endpoint", "192.0.2.1:51820"])
        let clientConfig = topo.logDirectory.appendingPathComponent("default-client.conf").path
        XCTAssertTrue(FileManager.default.createFile(atPath: clientConfig, contents: Data(peer.utf8),
                                                     attributes: [.posixPermissions: 0o600]))
        let client = try topo.spawnTunnel("client1", name: "client-default", ["client", "--config", clientConfig])
        let clientName = try waitForDefaultLink(topo, "client1", client)
        // Socket names in /var/run/wireguard are shared by all namespaces, links are not.
        XCTAssertNotEqual(clientName, serverName, "the live socket's name is skipped")
        XCTAssertTrue(topo.waitUntil(timeout: 15) {
            (try? topo.attempt("client1", ["ping", "-c", "1", "-W", "1", "100.64.0.1"]).status) == 0
        }, client.log)
        let serverStates = try topo.stateDirectory("server"), clientStates = try topo.stateDirectory("client1")
        XCTAssertNotEqual(serverStates.path, clientStates.path)
        XCTAssertEqual(serverStates.recordedInterfaces(), [serverName])
        XCTAssertEqual(clientStates.recordedInterfaces(), [clientName])
        for (p, ns) in [(client, "client1"), (server, "server")] {
            p.signal(SIGTERM)
            XCTAssertEqual(p.wait(timeout: 10), 0, p.log)
            let states = try topo.stateDirectory(ns)
            XCTAssertEqual(states.recordedInterfaces(), [], "\(ns): a clean exit forgets its state")
            XCTAssertFalse(FileManager.default.fileExists(atPath: states.path), "\(ns): and the emptied directory")
        }
    }

    /// The tunnelN link a run without --interface made in `ns`.
    private func waitForDefaultLink(_ topo: Topology, _ ns: String, _ p: BackgroundProcess) throws -> String {
        var name: String?
        _ = topo.waitUntil(timeout: 10) {
            let links = (try? topo.run(ns, "ip", "-o", "link", "show")) ?? ""
            name = links.split(separator: "\n").compactMap { line -> String? in
                let field = line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)
                return field.hasPrefix(InterfaceNaming.defaultPrefix) ? field : nil
            }.first
            return name != nil || !p.isRunning
        }
        guard let name, p.isRunning else { throw CommandFailed(command: ["tunnel"], status: -1, output: p.log) }
        return name
    }

    // MARK: #24 1

    /// One planted state file: what it asks for, and the error that refuses it.
    private struct Plant {
        let label: String
        let state: SetupState
        var mode: Int = 0o600
        var owner: uid_t = 0
        let refusal: String
    }

    func testHostileStateFilesChangeNothingOnCleanupOrStart() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let topo = try Topology("ns lonely", test: self)
        let resolvConf = try topo.giveResolvConf("lonely", "nameserver 192.0.2.53\n")
        let states = try topo.stateDirectory("lonely")
        let dead = try topo.enter("lonely") { () -> RunOwner in
            var owner = RunOwner.current(protocolID: TunnelRouteProtocol.id)
            owner.pid = Int32.max
            return owner
        }
        // Root-only files elsewhere that a planted state must not overwrite, remove or leak.
        let secret = topo.logDirectory.appendingPathComponent("secret").path
        XCTAssertTrue(FileManager.default.createFile(atPath: secret, contents: Data("root only\n".utf8),
                                                     attributes: [.posixPermissions: 0o600]))
        let name = topo.uniqueInterfaceName("h")
        let valid = SetupState(interfaceName: name, originalSysctls: ["net.ipv4.conf.all.src_valid_mark": "0"], owner: dead)
        var forward = valid
        forward.originalSysctls = ["net.ipv4.ip_forward": "1"]
        var overwrite = valid
        overwrite.resolvConfPath = secret
        overwrite.resolvConfBackupPath = states.resolvConfBackupPath(for: name)
        var leak = valid
        leak.resolvConfPath = "/etc/resolv.conf"
        leak.resolvConfBackupPath = secret
        var elsewhere = valid
        elsewhere.interfaceName = "../../../tmp/x"
        let plants = [
            Plant(label: "foreign owner", state: valid, owner: 65534, refusal: "it is owned by uid 65534"),
            Plant(label: "group-writable", state: valid, mode: 0o660, refusal: "group or others may write it (mode 660)"),
            Plant(label: "ip_forward from a client's file", state: forward, refusal: "this kind of run never sets the sysctl 'net.ipv4.ip_forward'"),
            Plant(label: "resolv.conf path elsewhere", state: overwrite, refusal: "it names \(secret), but tunnel writes only /etc/resolv.conf"),
            Plant(label: "backup path elsewhere", state: leak, refusal: "its resolv.conf backup path \(secret) is not this directory's"),
            Plant(label: "another interface's name", state: elsewhere, refusal: "it names interface '../../../tmp/x'"),
        ]
        let sysctls = ["net.ipv4.ip_forward", "net.ipv4.conf.all.src_valid_mark"]
        try topo.run("lonely", "sysctl", "-qw", "net.ipv4.conf.all.src_valid_mark=1")
        let before = try topo.networkState("lonely", sysctls: sysctls, files: [resolvConf, secret])
        let secretMode = try FileManager.default.attributesOfItem(atPath: secret)[.posixPermissions] as? Int
        for plant in plants {
            try plantState(plant, as: name, in: states)
            let cleanup = try topo.attempt("lonely", [bin, "client", "--cleanup"])
            XCTAssertEqual(cleanup.status, 1, "\(plant.label): \(cleanup.stdout)")
            XCTAssertTrue(cleanup.stderr.contains(plant.refusal), "\(plant.label): \(cleanup.stderr)")
            XCTAssertFalse(cleanup.stdout.contains("restore"), "\(plant.label): \(cleanup.stdout)")
            let named = try topo.attempt("lonely", [bin, "client", "--cleanup", "--interface", name])
            XCTAssertEqual(named.status, 1, "\(plant.label): \(named.stdout)")
            XCTAssertTrue(named.stderr.contains(plant.refusal), "\(plant.label): \(named.stderr)")
            assertSameNetworkState(try topo.networkState("lonely", sysctls: sysctls, files: [resolvConf, secret]), before,
                                   "\(plant.label): nothing changed")
            XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: secret)[.posixPermissions] as? Int, secretMode)
            XCTAssertTrue(FileManager.default.fileExists(atPath: states.statePath(for: name)), "\(plant.label): kept for a person")
            try FileManager.default.removeItem(atPath: states.statePath(for: name))
        }

        // A normal start on the planted name refuses it too, before making anything.
        try plantState(plants[1], as: name, in: states)
        let config = try clientConfig(topo)
        let start = try topo.attempt("lonely", [bin, "client", "--config", config, "--interface", name])
        assertOneLineFailure(start, mentions: "refusing to use \(states.statePath(for: name)): group or others may write it")
        assertSameNetworkState(try topo.networkState("lonely", sysctls: sysctls, files: [resolvConf, secret]), before,
                               "a refused start changed nothing")
        try FileManager.default.removeItem(atPath: states.statePath(for: name))

        // A state directory others may write is not used at all.
        try FileManager.default.setAttributes([.posixPermissions: 0o770], ofItemAtPath: states.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: states.path) }
        assertOneLineFailure(try topo.attempt("lonely", [bin, "client", "--cleanup"]),
                             mentions: "refusing to use \(states.path): group or others may write it (mode 770)")
    }

    /// Writes the file as `name`.state, whatever interface its content names.
    private func plantState(_ plant: Plant, as name: String, in states: StateDirectory) throws {
        try FileManager.default.createDirectory(atPath: states.path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let path = states.statePath(for: name)
        try JSONEncoder().encode(plant.state).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(chmod(path, mode_t(plant.mode)), 0)
        XCTAssertEqual(chown(path, plant.owner, plant.owner), 0)
    }

    private func clientConfig(_ topo: Topology) throws -> String {
        let key = try WireGuardKeys.generate()
        let path = topo.logDirectory.appendingPathComponent("planted.conf").path
        let text = "[Interface]\nPrivateKey = \(key.privateKey)\nAddress = 100.64.0.2/32\n\n[Peer]\nPublicKey = \(key.publicKey)\nAllowedIPs = 0.0.0.0/0\nEndpoint = 192.0.2.1:51820\n"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]))
        return path
    }

    // MARK: #21 4 and 5

    func testRefusedStartsLeaveTheDiskAndTheSystemAlone() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let topo = try Topology("ns lonely", test: self)
        let before = try topo.networkState("lonely")

        // Not a config file: its parse error, never advice to chmod /etc/passwd.
        let passwd = try topo.attempt("lonely", [bin, "client", "--config", "/etc/passwd"])
        assertOneLineFailure(passwd, mentions: "/etc/passwd:1:")
        XCTAssertFalse(passwd.stderr.contains("chmod"), passwd.stderr)

        let missing = topo.logDirectory.appendingPathComponent("no/such/dir").path
        assertOneLineFailure(try topo.attempt("lonely", [bin, "server", "--listen", "0.0.0.0:51820", "--nat", "off",
                                                         "--config", missing + "/srv.conf"]),
                             mentions: "--config \(missing)/srv.conf: the directory \(missing) does not exist")
        XCTAssertFalse(FileManager.default.fileExists(atPath: topo.logDirectory.appendingPathComponent("no").path))

        let unprivileged = topo.logDirectory.appendingPathComponent("nobody").path
        try FileManager.default.createDirectory(atPath: unprivileged, withIntermediateDirectories: true)
        try Command.check(["chown", "nobody", unprivileged])
        assertOneLineFailure(try topo.attempt("lonely", ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                                                         "--inh-caps=-all", bin, "server", "--listen", "0.0.0.0:51820",
                                                         "--nat", "off", "--config", unprivileged + "/srv.conf"]),
                             mentions: "tunnel server configures interfaces, routes and sysctls: operation not permitted")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: unprivileged), [], "no config written")
        assertSameNetworkState(try topo.networkState("lonely"), before, "nothing changed")
    }
}
