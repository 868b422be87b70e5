// The server's peer list as a value: adding a client (addresses, keys, its config),
// removing and listing. No file I/O here; ServerConfigFile loads and saves.
import Addresses
import Config
import WireGuard

public struct PeerRegistry: Sendable {
    /// Full tunnel: everything goes through the server.
    public static let defaultClientAllowedIPs: [IPPrefix] = [
        IPPrefix(address: .v4(IPv4Address(0)), length: 0),
        IPPrefix(address: .v6(IPv6Address(high: 0, low: 0)), length: 0),
    ]
    /// Seconds; keeps NAT and firewall state on the client's path open, as wg-quick
    /// configs from VPN providers do.
    public static let clientPersistentKeepalive: UInt16 = 25

    public private(set) var config: WireGuardConfig

    public init(config: WireGuardConfig) {
        self.config = config
    }

    /// Appends a [Peer] for a new client and returns it with the client's config.
    ///
    /// The client gets the next free address in each of the server's Address subnets, as
    /// a host prefix (/32, /128) both in its own Address and in the server's AllowedIPs:
    /// routes to other clients come from the client's AllowedIPs, not from its Address.
    /// The Endpoint is `endpoint`, else the server config's `# Endpoint`. MTU is left to
    /// the client's default.
    public mutating func add(name: String, allowedIPsForClient: [IPPrefix] = PeerRegistry.defaultClientAllowedIPs,
                             dns: [IPAddress] = [], endpoint: PeerEndpoint? = nil,
                             keys: PeerKeys = .generate()) throws -> AddedPeer {
        try add(name: name, allowedIPsForClient: allowedIPsForClient, dns: dns, endpoint: endpoint,
                publicKey: keys.publicKey, presharedKey: keys.presharedKey, clientPrivateKey: keys.privateKey)
    }

    /// The same for a client that made its own key pair (enrolment): the server knows only
    /// the public key, and the client config it returns has a placeholder private key
    /// (all zeros) for the client to fill in.
    public mutating func add(name: String, allowedIPsForClient: [IPPrefix], dns: [IPAddress], endpoint: PeerEndpoint?,
                             clientPublicKey: Key, presharedKey: Key) throws -> AddedPeer {
        try add(name: name, allowedIPsForClient: allowedIPsForClient, dns: dns, endpoint: endpoint,
                publicKey: clientPublicKey, presharedKey: presharedKey,
                clientPrivateKey: Key(bytes: [UInt8](repeating: 0, count: Key.byteCount)))
    }

    private mutating func add(name: String, allowedIPsForClient: [IPPrefix], dns: [IPAddress], endpoint: PeerEndpoint?,
                              publicKey: Key, presharedKey: Key, clientPrivateKey: Key) throws -> AddedPeer {
        try PeerName.validate(name)
        guard !config.peers.contains(where: { $0.name == name }) else { throw PeerManagementError.nameTaken(name) }
        guard !config.peers.contains(where: { $0.publicKey == publicKey }) else {
            throw PeerManagementError.keyTaken(publicKey.base64)
        }
        guard let serverEndpoint = endpoint ?? config.interface.publicEndpoint else { throw PeerManagementError.noEndpoint }
        let hosts = try nextClientAddresses().map { IPPrefix(address: $0, length: $0.bitWidth) }
        let keys = (publicKey: publicKey, presharedKey: presharedKey, privateKey: clientPrivateKey)
        let serverPeer = PeerSection(name: name, publicKey: keys.publicKey, presharedKey: keys.presharedKey,
                                     allowedIPs: hosts)
        let server = PeerSection(publicKey: X25519.publicKey(for: config.interface.privateKey),
                                 presharedKey: keys.presharedKey, endpoint: serverEndpoint,
                                 allowedIPs: allowedIPsForClient,
                                 persistentKeepalive: PeerRegistry.clientPersistentKeepalive)
        let client = WireGuardConfig(interface: InterfaceSection(privateKey: keys.privateKey, addresses: hosts, dns: dns),
                                     peers: [server])
        config.peers.append(serverPeer)
        return AddedPeer(serverPeer: serverPeer, clientConfig: client)
    }

    /// Removes the peer named `name` and returns it.
    @discardableResult
    public mutating func remove(name: String) throws -> PeerSection {
        guard let index = config.peers.firstIndex(where: { $0.name == name }) else {
            throw PeerManagementError.noSuchPeer(name, known: config.peers.compactMap(\.name))
        }
        return config.peers.remove(at: index)
    }

    /// Changes the [Peer] named `name` in place and returns it as changed.
    @discardableResult
    public mutating func update(name: String, _ change: (inout PeerSection) throws -> Void) throws -> PeerSection {
        guard let index = config.peers.firstIndex(where: { $0.name == name }) else {
            throw PeerManagementError.noSuchPeer(name, known: config.peers.compactMap(\.name))
        }
        try change(&config.peers[index])
        return config.peers[index]
    }

    /// Every peer, named or not, in file order.
    public func list() -> [PeerListing] {
        config.peers.map { PeerListing($0) }
    }

    /// One address from each distinct server subnet that has room for clients.
    func nextClientAddresses() throws -> [IPAddress] {
        let own = config.interface.addresses
        var pools: [TunnelAddressPool] = []
        for prefix in own {
            let pool = TunnelAddressPool(subnet: prefix)
            if pool.usable != nil, !pools.contains(where: { $0.network == pool.network }) { pools.append(pool) }
        }
        guard !pools.isEmpty else { throw PeerManagementError.noClientSubnet(serverAddresses: own) }
        let taken = own.map { IPPrefix(address: $0.address, length: $0.address.bitWidth) }
            + config.peers.flatMap(\.allowedIPs)
        return try pools.map { pool in
            guard let free = pool.firstFree(avoiding: taken) else {
                throw PeerManagementError.addressesExhausted(subnet: pool.network)
            }
            return free
        }
    }
}
