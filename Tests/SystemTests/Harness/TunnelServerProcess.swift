// `tunnel server` under test in a namespace, with its config file in the run's log
// directory, and `tunnel peer add` against that file.
import Config
import Foundation
import XCTest

final class TunnelServerProcess {
    let topology: Topology
    let namespace: String
    let interface: String
    let configPath: String
    private(set) var process: BackgroundProcess
    let arguments: [String]
    let environment: [String: String]?

    init(in topo: Topology, namespace: String, listen: String = "0.0.0.0:51820",
         addresses: [String] = ["100.64.0.1/24", "2001:db8:100::1/64"], extraArguments: [String] = [],
         logLevel: String = "debug", environment: [String: String]? = nil, configContents: String? = nil) throws {
        topology = topo
        self.namespace = namespace
        interface = topo.uniqueInterfaceName("s" + namespace.prefix(3))
        configPath = topo.logDirectory.appendingPathComponent("server-\(interface).conf").path
        arguments = ["server", "--listen", listen, "--config", configPath, "--interface", interface, "--log-level", logLevel]
            + addresses.flatMap { ["--address", $0] } + extraArguments
        self.environment = environment
        if let configContents {
            // A copy of another server's file: a second server of the same network.
            guard FileManager.default.createFile(atPath: configPath, contents: Data(configContents.utf8),
                                                 attributes: [.posixPermissions: 0o600]) else {
                throw CommandFailed(command: ["write", configPath], status: -1, output: "cannot write the server's config")
            }
        }
        process = try TunnelServerProcess.start(topo, namespace, interface, arguments, environment)
    }

    private static func start(_ topo: Topology, _ namespace: String, _ interface: String,
                              _ arguments: [String], _ environment: [String: String]?) throws -> BackgroundProcess {
        let p = try topo.spawnTunnel(namespace, name: "tunnel-server-\(interface)", arguments, environment: environment)
        let up = topo.waitUntil(timeout: 10) {
            (try? topo.attempt(namespace, ["ip", "link", "show", interface]).status) == 0 || !p.isRunning
        }
        guard up, p.isRunning else { throw CommandFailed(command: ["tunnel"] + arguments, status: -1, output: p.log) }
        return p
    }

    /// Starts the server again (after a kill, or a clean stop).
    func restart() throws {
        process = try TunnelServerProcess.start(topology, namespace, interface, arguments, environment)
    }

    var log: String { process.log }

    /// `tunnel peer add NAME`: returns the client's wg-quick config.
    func addPeer(_ name: String, endpoint: String) throws -> String {
        try Command.check([SystemTestEnvironment.tunnelBinary!, "peer", "add", name, "--config", configPath,
                           "--endpoint", endpoint])
    }

    /// `tunnel peer invite NAME`: returns the code (the first line of its output).
    func invite(_ name: String, endpoint: String, extraArguments: [String] = []) throws -> String {
        let out = try Command.check([SystemTestEnvironment.tunnelBinary!, "peer", "invite", name, "--config", configPath,
                                     "--endpoint", endpoint] + extraArguments)
        return String(out.split(separator: "\n", omittingEmptySubsequences: false)[0])
    }

    func removePeer(_ name: String) throws {
        try Command.check([SystemTestEnvironment.tunnelBinary!, "peer", "remove", name, "--config", configPath])
    }
}

extension WireGuardGoPeer {
    /// wireguard-go set up from a client config that `tunnel peer add` printed: the keys
    /// and peer go through `wg setconf`, the addresses and the routes to `routes` by hand
    /// (what wg-quick would do, without its full-tunnel rules).
    static func fromClientConfig(_ text: String, in topo: Topology, namespace: String,
                                 routes: [String]) throws -> WireGuardGoPeer {
        let config = try WireGuardConfig(parsing: text, fileName: "client.conf")
        let privateKey = config.interface.privateKey.base64
        let keys = WireGuardKeys(privateKey: privateKey,
                                 publicKey: try Command.check(["wg", "pubkey"], input: privateKey + "\n")
                                    .trimmingCharacters(in: .whitespacesAndNewlines))
        let peer = try WireGuardGoPeer(in: topo, namespace: namespace, keys: keys, listenPort: 0,
                                       addresses: config.interface.addresses.map(\.description))
        let setconf = topo.logDirectory.appendingPathComponent("\(peer.interface).setconf").path
        try config.render(.wg).write(toFile: setconf, atomically: true, encoding: .utf8)
        try topo.run(namespace, "wg", "setconf", peer.interface, setconf)
        for route in routes { try topo.run(namespace, "ip", "route", "add", route, "dev", peer.interface) }
        return peer
    }
}
