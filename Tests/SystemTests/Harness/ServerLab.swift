// The topology most server tests stand on, written once: clients on links of their own
// to a `tunnel server`, whose default route leads to an "internet" host that knows nothing
// of the tunnel subnet (so every reply it sends must come back through the server's NAT).
//
//   client1 192.0.2.2 -- 192.0.2.1 server 198.51.100.1 -- 198.51.100.2 internet
//   client2 192.0.2.130 -- 192.0.2.129 (eth2)      (2001:db8:51::1/::2 with ipv6Egress)
import Foundation

enum ServerLab {
    static let internet = "198.51.100.2"
    static let egress = "198.51.100.1"
    /// The server's addresses as each client's link sees them (its peer's Endpoint).
    static let endpoints = ["client1": "192.0.2.1:51820", "client2": "192.0.2.129:51820"]
    /// What a wireguard-go client routes into the tunnel (wg-quick's full-tunnel rules aside).
    static let wireGuardGoRoutes = ["198.51.100.0/24", "100.64.0.0/24"]

    /// The topology's text: one or two clients, IPv6 on the egress if asked, and any
    /// `extra` lines (more namespaces, links or routes).
    static func topology(clients: Int = 2, ipv6Egress: Bool = false, extra: String = "") -> String {
        let prefix = clients == 1 ? 24 : 25
        var lines = ["client1 eth0 192.0.2.2/\(prefix) -- server eth0 192.0.2.1/\(prefix)"]
        if clients > 1 { lines.append("client2 eth0 192.0.2.130/25 -- server eth2 192.0.2.129/25") }
        lines.append(ipv6Egress
            ? "server eth1 198.51.100.1/24 2001:db8:51::1/64 -- internet eth0 198.51.100.2/24 2001:db8:51::2/64"
            : "server eth1 198.51.100.1/24 -- internet eth0 198.51.100.2/24")
        lines.append("route client1 default via 192.0.2.1")
        if clients > 1 { lines.append("route client2 default via 192.0.2.129") }
        lines.append("route server default via 198.51.100.2")
        if ipv6Egress { lines.append("route server default via 2001:db8:51::2") }
        if !extra.isEmpty { lines.append(extra) }
        return lines.joined(separator: "\n")
    }
}

extension TunnelServerProcess {
    /// `tunnel peer add NAME` and a `tunnel client` in `namespace` on the printed config,
    /// changed by `edit` first if given.
    func startTunnelClient(_ name: String, in namespace: String,
                           edit: (String) -> String = { $0 }) throws -> TunnelProcess {
        let config = edit(try addPeer(name, endpoint: ServerLab.endpoints[namespace]!))
        return try TunnelProcess(in: topology, namespace: namespace, keys: try WireGuardKeys.generate(), config: config)
    }

    /// `tunnel peer add NAME` and wireguard-go in `namespace` on the printed config.
    func startWireGuardGoClient(_ name: String, in namespace: String) throws -> WireGuardGoPeer {
        try WireGuardGoPeer.fromClientConfig(try addPeer(name, endpoint: ServerLab.endpoints[namespace]!),
                                             in: topology, namespace: namespace, routes: ServerLab.wireGuardGoRoutes)
    }
}
