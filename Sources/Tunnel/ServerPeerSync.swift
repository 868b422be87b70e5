// Keeps a running server's peers in step with its config file: `tunnel peer add` and
// `peer remove` edit the file, and the server picks the change up within a second,
// without touching the sessions of peers that did not change.
import Config
import Foundation
import Logging
import WireGuard

final class ServerPeerSync {
    let path: String
    private var lastSeen: FileIdentity?
    private let logger: Logger

    /// What identifies a version of the file without reading it.
    struct FileIdentity: Equatable {
        var inode: UInt64
        var size: Int64
        var modified: timespec

        static func == (a: FileIdentity, b: FileIdentity) -> Bool {
            a.inode == b.inode && a.size == b.size
                && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
        }
    }

    /// `loaded` is the file's identity taken just before the server read it: a change
    /// made after that read (`tunnel peer add` while the server starts up) then still
    /// differs from it and is applied at the first check.
    init(path: String, loaded: FileIdentity?, logger: Logger) {
        self.path = path
        self.logger = logger
        lastSeen = loaded
    }

    static func identity(of path: String) -> FileIdentity? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return FileIdentity(inode: UInt64(st.st_ino), size: Int64(st.st_size), modified: st.st_mtim)
    }

    /// The new config if the file changed since last time and still parses.
    func changedConfig() -> WireGuardConfig? {
        let now = ServerPeerSync.identity(of: path)
        guard now != lastSeen else { return nil }
        lastSeen = now
        do {
            return try ConfigLoader.load(path: path)
        } catch {
            logger.error("\(path) changed but cannot be used, keeping the peers as they are: \(error)")
            return nil
        }
    }

    /// Applies the file's peers to the device; returns the removed peers' ids.
    static func apply(_ config: WireGuardConfig, to device: WireGuardDevice, now: UInt64, logger: Logger) -> [UInt32] {
        let wanted = Set(config.peers.map(\.publicKey))
        var removed: [UInt32] = []
        for peer in device.peers where !wanted.contains(peer.publicKey) {
            removed.append(peer.id)
            logger.notice("peer \(peer.displayName) removed")
            device.removePeer(peer.publicKey)
        }
        for section in config.peers {
            let isNew = device.peer(for: section.publicKey) == nil
            device.setPeer(PeerConfiguration(publicKey: section.publicKey, presharedKey: section.presharedKey,
                                             endpoint: section.endpoint?.literal, allowedIPs: section.allowedIPs,
                                             persistentKeepalive: section.persistentKeepalive ?? 0, name: section.name),
                           now: now)
            if isNew { logger.notice("peer \(section.name ?? section.publicKey.base64) added") }
        }
        return removed
    }
}
