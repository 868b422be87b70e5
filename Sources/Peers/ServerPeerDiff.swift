// What one reload of the server's config file changes, worked out off the data path (on
// ServerPeerSync's queue) so that the reactor's queue only applies it: peers whose section
// is new or different are set, peers gone from the file are removed, and every other
// peer is left alone with its sessions.
import Addresses
import Config
import WireGuard

public struct ServerPeerDiff {
    /// Every peer in the file, in file order.
    let configurations: [PeerConfiguration]
    /// Every public key in the file: device peers outside it are removed.
    let keys: Set<Key>
    /// Peers whose section differs from the last applied version of the file (or is new).
    let changed: Set<Key>
    /// Their configurations, in file order.
    let changedConfigurations: [PeerConfiguration]
    /// The file's [Peer] sections, in file order (their notes hold the limits).
    public let sections: [PeerSection]

    /// `previous` holds the sections last applied, by key; empty for the first load.
    public init(from previous: [Key: PeerSection], to config: WireGuardConfig) {
        sections = config.peers
        configurations = config.peers.map(ServerPeerDiff.configuration)
        keys = Set(config.peers.map(\.publicKey))
        let differing = config.peers.filter { previous[$0.publicKey] != $0 }
        changed = Set(differing.map(\.publicKey))
        changedConfigurations = differing.map(ServerPeerDiff.configuration)
    }

    public static func configuration(of section: PeerSection) -> PeerConfiguration {
        PeerConfiguration(publicKey: section.publicKey, presharedKey: section.presharedKey,
                          endpoint: section.endpoint?.literal, allowedIPs: section.allowedIPs,
                          persistentKeepalive: section.persistentKeepalive ?? 0, name: section.name)
    }

    /// What applying changed: the removed peers' ids, how many peers were removed or set,
    /// and every prefix those peers held before or hold after (to tell whether routes
    /// into the tunnel need a look).
    public struct Result {
        public var removed: [UInt32] = []
        var touched = 0
        public var prefixes: [IPPrefix] = []
    }

    /// Applies the diff; on the queue that owns `device`. A peer the file still names but
    /// the device lacks (removed by `wg set`) is set again, as the file is the truth.
    /// `excluded`: peers of the file that must not be on the device now (disabled, expired,
    /// over quota): removed if there, never set; taking one off ends its sessions, and its
    /// handshakes then get the silence any unknown key gets.
    /// Costs one hash lookup per device peer plus the changed peers' prefixes (and, only
    /// when the device lacks some of the file's peers, one lookup per file peer).
    public func apply(to device: WireGuardDevice, now: UInt64, excluded: Set<Key> = [],
                      log: (String) -> Void) -> Result {
        var result = Result()
        // Peers that check no sources are pending invites (ServerEnrolment's), not the file's;
        // peers the lifecycle keeps off the device (disabled, expired, over quota) go too.
        let gone = device.peers.filter {
            $0.checksSource && (!keys.contains($0.publicKey) || excluded.contains($0.publicKey))
        }
        for peer in gone {
            log("peer \(peer.displayName) " + (keys.contains(peer.publicKey) ? "taken off the device" : "removed"))
            result.prefixes += device.allowedIPs(of: peer)
        }
        device.removePeers(Set(gone.map(\.publicKey)))
        result.removed = gone.map(\.id)
        result.touched = gone.count
        // Every device peer is in the file now; as many as the file names means no file
        // peer is missing, and only the changed ones need a look.
        let admitted = excluded.isEmpty ? keys.count : keys.subtracting(excluded).count
        let candidates = device.peers.count(where: \.checksSource) == admitted ? changedConfigurations : configurations
        for config in candidates where !excluded.contains(config.publicKey) {
            let existing = device.peer(for: config.publicKey)
            guard existing == nil || changed.contains(config.publicKey) else { continue }
            result.prefixes += existing.map(device.allowedIPs(of:)) ?? []
            result.prefixes += config.allowedIPs
            device.setPeer(config, now: now)
            result.touched += 1
            if existing == nil { log("peer \(config.name ?? config.publicKey.base64) added") }
        }
        return result
    }
}
