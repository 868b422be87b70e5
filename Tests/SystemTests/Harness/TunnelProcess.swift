// The `tunnel` binary under test, started in a namespace with a wg-quick file.
import Foundation

final class TunnelProcess {
    let topology: Topology
    let namespace: String
    let interface: String
    let keys: WireGuardKeys
    let configPath: String
    let process: BackgroundProcess

    /// Writes `config` (0600) and runs `tunnel client --config` in `namespace`; returns once
    /// the interface exists.
    init(in topo: Topology, namespace: String, keys: WireGuardKeys, config: String,
         extraArguments: [String] = [], logLevel: String = "debug", environment: [String: String]? = nil) throws {
        topology = topo
        self.namespace = namespace
        self.keys = keys
        interface = topo.uniqueInterfaceName("t" + namespace.prefix(3))
        configPath = topo.logDirectory.appendingPathComponent("\(namespace)-\(interface).conf").path
        guard FileManager.default.createFile(atPath: configPath, contents: Data(config.utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw CommandFailed(command: ["write", configPath], status: -1, output: "cannot write the client's config file")
        }
        process = try topo.spawnTunnel(namespace, name: "tunnel-\(namespace)",
                                       ["client", "--config", configPath, "--interface", interface,
                                        "--log-level", logLevel] + extraArguments, environment: environment)
        let iface = interface
        let up = topo.waitUntil(timeout: 10) {
            (try? topo.attempt(namespace, ["ip", "link", "show", iface]).status) == 0 || !self.process.isRunning
        }
        guard up, process.isRunning else {
            throw CommandFailed(command: ["tunnel", "client"], status: -1, output: process.log)
        }
    }

    var log: String { process.log }

    /// A wg-quick file for a point-to-point peer.
    static func config(privateKey: String, addresses: [String], listenPort: UInt16?, peerPublicKey: String,
                       endpoint: String?, allowedIPs: [String], presharedKey: String? = nil,
                       persistentKeepalive: Int? = nil, mtu: Int = 1420) -> String {
        var lines = ["[Interface]", "PrivateKey = \(privateKey)", "Address = \(addresses.joined(separator: ", "))",
                     "MTU = \(mtu)"]
        if let listenPort { lines.append("ListenPort = \(listenPort)") }
        lines += ["", "[Peer]", "PublicKey = \(peerPublicKey)", "AllowedIPs = \(allowedIPs.joined(separator: ", "))"]
        if let endpoint { lines.append("Endpoint = \(endpoint)") }
        if let presharedKey { lines.append("PresharedKey = \(presharedKey)") }
        if let persistentKeepalive { lines.append("PersistentKeepalive = \(persistentKeepalive)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
