// A `set` request's peer blocks worked out against the device's current peers, without
// touching the device: which peers go, and the whole configuration of every peer the
// request names. Applying the plan cannot fail, which is what makes `set` atomic.
//
// Semantics follow wireguard-go, applied in request order: replace_peers drops every peer
// not named again; `remove` drops one; update_only skips a peer that does not exist; an
// allowed_ip moves the prefix from whichever peer held it; replace_allowed_ips clears the
// list first. A peer that replace_peers (or an earlier `remove`) dropped and that is named
// again is reset to what the request says but keeps its sessions.
import Addresses
import Control
import WireGuard

struct PeerChangePlan {
    /// Existing peers to remove.
    private(set) var removals: [Key] = []
    /// Full configurations to set, in the order the request first named them.
    private(set) var configurations: [PeerConfiguration] = []

    private var index: [Key: Int] = [:]
    private var dropped: Set<Key> = []
    /// Prefixes (networks) this request gave to a peer: the last claim wins.
    private var owners: [IPPrefix: Key] = [:]

    /// Throws UAPIError (EINVAL) for a peer no device may have: our own key or all zeros.
    init(_ change: UAPIConfigurationChange, device: WireGuardDevice, ownPublicKey: Key) throws {
        if change.replacePeers { dropped = Set(device.peers.map(\.publicKey)) }
        for (number, block) in change.peers.enumerated() {
            let key = block.publicKey.wireGuardKey
            guard !key.isZero, key != ownPublicKey else {
                throw UAPIError(errno: UAPIErrno.invalidValue,
                                "peer \(number + 1): its public key is \(key.isZero ? "all zeros" : "this interface's own")")
            }
            if block.remove {
                drop(key, device: device)
            } else {
                take(block, key: key, device: device)
            }
        }
        removals = device.peers.map(\.publicKey).filter { dropped.contains($0) && index[$0] == nil }
        for i in configurations.indices {
            let key = configurations[i].publicKey
            configurations[i].allowedIPs.removeAll { owners[$0].map { $0 != key } ?? false }
        }
    }

    private mutating func drop(_ key: Key, device: WireGuardDevice) {
        if let i = index.removeValue(forKey: key) {
            configurations.remove(at: i)
            index = Dictionary(uniqueKeysWithValues: configurations.enumerated().map { ($1.publicKey, $0) })
        }
        owners = owners.filter { $0.value != key }
        if device.peer(for: key) != nil { dropped.insert(key) }
    }

    private mutating func take(_ block: UAPIPeerChange, key: Key, device: WireGuardDevice) {
        var config: PeerConfiguration
        if let i = index[key] {
            config = configurations[i]
        } else if !dropped.contains(key), let peer = device.peer(for: key) {
            config = PeerChangePlan.configuration(of: peer, device: device)
        } else if block.updateOnly {
            return
        } else {
            config = PeerConfiguration(publicKey: key)
        }
        if let psk = block.presharedKey { config.presharedKey = psk.isZero ? nil : psk.wireGuardKey }
        if let endpoint = block.endpoint { config.endpoint = endpoint }
        if let keepalive = block.persistentKeepaliveInterval { config.persistentKeepalive = keepalive }
        if block.replaceAllowedIPs {
            config.allowedIPs.removeAll()
            owners = owners.filter { $0.value != key }
        }
        for prefix in block.allowedIPs.map(\.network) {
            owners[prefix] = key
            if !config.allowedIPs.contains(prefix) { config.allowedIPs.append(prefix) }
        }
        store(config)
    }

    private mutating func store(_ config: PeerConfiguration) {
        if let i = index[config.publicKey] {
            configurations[i] = config
        } else {
            index[config.publicKey] = configurations.count
            configurations.append(config)
        }
    }

    /// A peer's current configuration, as setPeer would need it to change nothing.
    static func configuration(of peer: Peer, device: WireGuardDevice) -> PeerConfiguration {
        let psk = peer.presharedKey
        return PeerConfiguration(publicKey: peer.publicKey, presharedKey: psk.isZero ? nil : psk, endpoint: peer.endpoint,
                                 allowedIPs: device.allowedIPs(of: peer), persistentKeepalive: peer.persistentKeepalive,
                                 name: peer.name)
    }
}
