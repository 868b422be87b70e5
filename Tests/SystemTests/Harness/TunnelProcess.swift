// The `tunnel` binary under test, started in a namespace with a wg-quick file (or an
// invite code it enrols with, which writes that file).
import Config
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

    /// Runs `tunnel client --invite CODE --config PATH` in `namespace` (PATH does not exist
    /// yet: the enrolment writes it); returns once the interface exists, with the keys the
    /// client made, read from the file it wrote.
    /// `codeOnStandardInput`: `--invite -` with the code in a file on standard input.
    init(in topo: Topology, namespace: String, invite code: String, extraArguments: [String] = [],
         logLevel: String = "debug", codeOnStandardInput: Bool = false) throws {
        topology = topo
        self.namespace = namespace
        interface = topo.uniqueInterfaceName("t" + namespace.prefix(3))
        configPath = topo.logDirectory.appendingPathComponent("\(namespace)-\(interface).conf").path
        let arguments = ["client", "--invite", codeOnStandardInput ? "-" : code, "--config", configPath,
                         "--interface", interface, "--log-level", logLevel] + extraArguments
        if codeOnStandardInput {
            let codeFile = topo.logDirectory.appendingPathComponent("\(interface).code").path
            guard FileManager.default.createFile(atPath: codeFile, contents: Data((code + "\n").utf8),
                                                 attributes: [.posixPermissions: 0o600]) else {
                throw CommandFailed(command: ["write", codeFile], status: -1, output: "cannot write the code file")
            }
            // The shell only redirects and execs: the code is in no process's arguments.
            process = try topo.spawn(namespace, name: "tunnel-\(namespace)",
                                     ["sh", "-c", "exec \"$0\" \"$@\" < \"$CODE_FILE\"", SystemTestEnvironment.tunnelBinary!]
                                        + arguments, environment: ["CODE_FILE": codeFile])
        } else {
            process = try topo.spawnTunnel(namespace, name: "tunnel-\(namespace)", arguments)
        }
        let iface = interface, process = self.process
        let up = topo.waitUntil(timeout: 30) {
            (try? topo.attempt(namespace, ["ip", "link", "show", iface]).status) == 0 || !process.isRunning
        }
        guard up, process.isRunning else {
            throw CommandFailed(command: ["tunnel", "client", "--invite"], status: -1, output: process.log)
        }
        let config = try WireGuardConfig(parsing: try String(contentsOfFile: configPath, encoding: .utf8),
                                         fileName: configPath)
        let privateKey = config.interface.privateKey.base64
        keys = WireGuardKeys(privateKey: privateKey,
                             publicKey: try Command.check(["wg", "pubkey"], input: privateKey + "\n")
                                .trimmingCharacters(in: .whitespacesAndNewlines))
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
