// Keeps a running server's peers in step with its config file: `tunnel peer add` and
// `peer remove` edit the file, and the server picks the change up within a second,
// without touching the sessions of peers that did not change.
//
// Ownership: `queue` (a housekeeping queue of its own) owns `lastSeen` and `applied`;
// the file is checked, read, parsed and diffed there, so thousands of peers cost the data
// path nothing but applying the diff (ServerPeerDiff.apply), which the `onChange`
// handler does on the reactor's queue.
import Config
import Dispatch
import Foundation
import Logging
import WireGuard

public final class ServerPeerSync {
    let path: String
    private let queue: DispatchQueue
    private let logger: Logger
    private var lastSeen: FileIdentity?
    /// The sections of the version last handed to `onChange`, by key.
    private var applied: [Key: PeerSection]
    private var timer: DispatchSourceTimer?

    /// What identifies a version of the file without reading it.
    public struct FileIdentity: Equatable {
        var inode: UInt64
        var size: Int64
        var modified: timespec

        public static func == (a: FileIdentity, b: FileIdentity) -> Bool {
            a.inode == b.inode && a.size == b.size
                && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
        }
    }

    /// `initial` is the config the server started with (already applied), `version` the
    /// file's identity when it was read (taken then, so an edit made while the server
    /// started up is not mistaken for the version already applied).
    public init(path: String, initial: WireGuardConfig, version: FileIdentity?, label: String, logger: Logger) {
        self.path = path
        self.logger = logger
        queue = DispatchQueue(label: label)
        applied = ServerPeerSync.sections(of: initial)
        lastSeen = version
    }

    /// Loads the config a server starts with, and the version of the file to watch from.
    /// The version is taken before the load: an edit that lands in between (a `peer add`
    /// while the server starts up) then makes the file differ from it, and the first
    /// check picks the edit up. Taken after, the edit would be lost until the next one.
    public static func startingVersion<Loaded>(of path: String,
                                               load: () throws -> Loaded) rethrows -> (Loaded, FileIdentity?) {
        let version = identity(of: path)
        return (try load(), version)
    }

    public static func identity(of path: String) -> FileIdentity? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return FileIdentity(inode: UInt64(st.st_ino), size: Int64(st.st_size), modified: st.st_mtim)
    }

    private static func sections(of config: WireGuardConfig) -> [Key: PeerSection] {
        Dictionary(config.peers.map { ($0.publicKey, $0) }, uniquingKeysWith: { $1 })
    }

    /// Checks the file every `interval`; `onChange` gets each new version's diff, on this
    /// object's queue (it should hop onto the device's queue to apply it).
    public func start(every interval: DispatchTimeInterval, onChange: @escaping (ServerPeerDiff) -> Void) {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(10))
        timer.setEventHandler { [unowned self] in
            if let diff = self.changedPeers() { onChange(diff) }
        }
        self.timer = timer
        timer.resume()
    }

    /// Stops checking; from any queue.
    public func stop() { timer?.cancel() }

    /// The diff to the file's new version if it changed since last time and still parses.
    func changedPeers() -> ServerPeerDiff? {
        let now = ServerPeerSync.identity(of: path)
        guard now != lastSeen else { return nil }
        lastSeen = now
        let config: WireGuardConfig
        do {
            config = try ConfigLoader.load(path: path)
        } catch {
            logger.error("\(path) changed but cannot be used, keeping the peers as they are: \(error)")
            return nil
        }
        let diff = ServerPeerDiff(from: applied, to: config)
        applied = ServerPeerSync.sections(of: config)
        return diff
    }
}
