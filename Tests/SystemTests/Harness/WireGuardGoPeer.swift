// Debian's wireguard-go, configured with `wg`, as the reference peer in a namespace.
import Foundation

struct WireGuardKeys {
    let privateKey: String
    let publicKey: String

    static func generate() throws -> WireGuardKeys {
        let priv = try Command.check(["wg", "genkey"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let pub = try Command.check(["wg", "pubkey"], input: priv + "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        return WireGuardKeys(privateKey: priv, publicKey: pub)
    }

    static func generatePresharedKey() throws -> String {
        try Command.check(["wg", "genpsk"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

final class WireGuardGoPeer {
    let topology: Topology
    let namespace: String
    let interface: String
    let keys: WireGuardKeys
    let process: BackgroundProcess

    /// Starts wireguard-go in the foreground with an interface, a private key, a listen
    /// port and addresses; peers are added with `addPeer`.
    init(in topo: Topology, namespace: String, interface: String? = nil, keys: WireGuardKeys,
         listenPort: UInt16, addresses: [String], mtu: Int = 1420) throws {
        topology = topo
        self.namespace = namespace
        let interface = interface ?? topo.uniqueInterfaceName("w" + namespace.prefix(3))
        self.interface = interface
        self.keys = keys
        // wireguard-go refuses kernels that have the WireGuard module unless told otherwise.
        process = try topo.spawn(namespace, name: "wireguard-go-\(namespace)", ["wireguard-go", "-f", interface],
                                 environment: ["WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD": "1",
                                               "LOG_LEVEL": "debug"])
        let up = topo.waitUntil(timeout: 10) {
            (try? topo.attempt(namespace, ["ip", "link", "show", interface]).status) == 0
        }
        guard up else { throw CommandFailed(command: ["wireguard-go", interface], status: -1, output: process.log) }
        let keyFile = topo.logDirectory.appendingPathComponent("\(namespace)-\(interface).key")
        try keys.privateKey.write(to: keyFile, atomically: true, encoding: .utf8)
        try topo.run(namespace, "wg", "set", interface, "private-key", keyFile.path)
        if listenPort != 0 { try topo.run(namespace, "wg", "set", interface, "listen-port", "\(listenPort)") }
        for a in addresses { try topo.run(namespace, "ip", "addr", "add", a, "dev", interface) }
        try topo.run(namespace, "ip", "link", "set", interface, "mtu", "\(mtu)", "up")
    }

    func addPeer(publicKey: String, endpoint: String?, allowedIPs: [String], presharedKey: String? = nil,
                 persistentKeepalive: Int? = nil) throws {
        var argv = ["wg", "set", interface, "peer", publicKey, "allowed-ips", allowedIPs.joined(separator: ",")]
        if let endpoint { argv += ["endpoint", endpoint] }
        if let persistentKeepalive { argv += ["persistent-keepalive", "\(persistentKeepalive)"] }
        if let presharedKey {
            let pskFile = topology.logDirectory.appendingPathComponent("\(namespace)-\(interface).psk")
            try presharedKey.write(to: pskFile, atomically: true, encoding: .utf8)
            argv += ["preshared-key", pskFile.path]
        }
        try topology.run(namespace, argv)
    }

    /// `wg show IFACE latest-handshakes` has a non-zero time once a handshake completed.
    func hasHandshake() -> Bool {
        guard let out = try? topology.run(namespace, "wg", "show", interface, "latest-handshakes") else { return false }
        return out.split(separator: "\n").contains { line in
            line.split(separator: "\t").last.map { $0 != "0" } ?? false
        }
    }
}
