// Keeps a running server's peers in step with etcd, as ServerPeerSync does with the
// config file: the server lists the prefix once at start, then watches it from the
// list's revision + 1, and every change made through any server's CLI reaches it within
// a second (a flush every `flushInterval` hands over one diff for all changes seen).
// A watch that breaks is resumed from the last revision seen; a compacted one leads to a
// new list. While etcd is away nothing changes: the data plane keeps the last known
// peers, the outage is logged once, and tries go on with backoff until etcd answers.
//
// The server is also registered as `servers/<id>` under a lease kept alive here: the key
// vanishes within `leaseSeconds` of the server's death.
//
// Ownership: `lock` guards every var below it; the watch, keepalive and flush tasks take
// it for short, non-blocking steps. Callbacks run on the flush task: the server hops onto
// its reactor's queue from there.
import Config
import EtcdClient
import Foundation
import Logging
import Peers
import WireGuard

public final class EtcdPeerSync: @unchecked Sendable {
    public static let leaseSeconds: Int64 = 10
    static let keepAliveInterval: Duration = .seconds(3)
    static let flushInterval: Duration = .milliseconds(250)
    static let firstBackoff: Duration = .milliseconds(500)
    static let maximumBackoff: Duration = .seconds(8)

    public struct Start {
        public var peers: [PeerSection]
        public var ownUsage: [Key: PeerUsage]
        public var othersUsage: [Key: PeerUsage]
    }

    public let store: EtcdPeerStore
    public let serverID: String
    private let interface: WireGuardConfig
    private let record: ServerRecord
    private let logger: Logger
    private var layout: EtcdKeyLayout { store.layout }
    private var client: EtcdClient { store.client }

    private let lock = NSLock()
    /// Peers by their etcd key, with the revision that created them (the order of listing).
    private var peers: [String: (section: PeerSection, created: Int64)] = [:]
    private var inviteValues: [String: Invite] = [:]
    /// Other servers' counts, by etcd key.
    private var otherUsage: [String: EtcdKeyValue] = [:]
    private var revision: Int64 = 0
    private var applied: [Key: PeerSection] = [:]
    private var peersDirty = false
    private var usageDirty = false
    private var lease: Int64 = 0
    private var failing = false
    private var tasks: [Task<Void, Never>] = []
    private var currentWatch: EtcdWatch?
    /// A change under the prefix that the watch had not delivered at the last check.
    private var undelivered: Int64?

    /// `interface`: the local config file's [Interface] (its peers are not used).
    public init(store: EtcdPeerStore, serverID: String, interface: WireGuardConfig, listen: String, version: String,
                logger: Logger) {
        self.store = store
        self.serverID = serverID
        var config = interface
        config.peers = []
        self.interface = config
        self.logger = logger
        record = ServerRecord(listen: listen, version: version,
                              started: RFC3339Time(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)).description,
                              publicKey: X25519.publicKey(for: interface.interface.privateKey).base64)
    }

    // MARK: start

    /// Registers the server and lists what it starts with. Throws what etcd said when no
    /// member answers, or EtcdStoreError.serverIDTaken.
    public func start() throws -> Start {
        try BlockingCall.run { [self] in try await register(waitingForEarlier: true) }
        try BlockingCall.run { [self] in try await relist() }
        let own = try EtcdUsageSink.load(client: client, layout: layout, serverID: serverID)
        return lock.withLock {
            let sections = orderedSections()
            applied = Dictionary(sections.map { ($0.publicKey, $0) }, uniquingKeysWith: { $1 })
            peersDirty = false
            usageDirty = false
            return Start(peers: sections, ownUsage: own, othersUsage: othersSum())
        }
    }

    /// `servers/<id>` under a fresh lease, created only if absent. A server restarted
    /// right after a crash finds its old key still there: it waits for that lease to run
    /// out (at most `leaseSeconds`) before giving up.
    private func register(waitingForEarlier: Bool) async throws {
        let grant = try await client.lease.grant(ttl: Self.leaseSeconds)
        let key = layout.server(serverID)
        let value = try record.encoded()
        let deadline = ContinuousClock.now + .seconds(Self.leaseSeconds + 2)
        while true {
            let txn = EtcdTxn(if: [.version(key, .equal, 0)], then: [.put(key, value, lease: grant.id)])
            if try await client.kv.txn(txn).succeeded { break }
            guard waitingForEarlier, ContinuousClock.now < deadline else {
                _ = try? await client.lease.revoke(grant.id)
                throw EtcdStoreError.serverIDTaken(id: serverID, key: key)
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        lock.withLock { lease = grant.id }
    }

    /// After losing the lease (etcd was away longer than its TTL): the key is ours.
    private func reregister() async throws {
        let grant = try await client.lease.grant(ttl: Self.leaseSeconds)
        try await client.kv.put(layout.server(serverID), value: try record.encoded(), lease: grant.id)
        lock.withLock { lease = grant.id }
    }

    /// Peers, invites and usage at one revision, replacing what was known.
    private func relist() async throws {
        let peerRange = try await client.kv.range(prefix: layout.peers)
        let at = peerRange.header.revision
        let inviteRange = try await client.kv.range(prefix: layout.invites, revision: at)
        let usageRange = try await client.kv.range(prefix: layout.usage, revision: at)
        var newPeers: [String: (section: PeerSection, created: Int64)] = [:]
        for kv in peerRange.kvs {
            guard let section = decodePeer(kv) else { continue }
            newPeers[kv.key] = (section, kv.createRevision)
        }
        var newInvites: [String: Invite] = [:]
        for kv in inviteRange.kvs { if let invite = decodeInvite(kv) { newInvites[kv.key] = invite } }
        let others = usageRange.kvs.filter { layout.usageParts($0.key).map { $0.server != serverID } ?? false }
        lock.withLock {
            peers = newPeers
            inviteValues = newInvites
            otherUsage = Dictionary(others.map { ($0.key, $0) }, uniquingKeysWith: { $1 })
            revision = at
            peersDirty = true
            usageDirty = true
        }
    }

    // MARK: following

    /// Starts watching, keeping the lease alive and handing over changes: `onPeers` gets
    /// the diff to what it was last given, `onOthersUsage` the other servers' counts.
    public func follow(onPeers: @escaping @Sendable (ServerPeerDiff) -> Void,
                       onOthersUsage: @escaping @Sendable ([Key: PeerUsage]) -> Void) {
        let watching = Task { [self] in await watchLoop() }
        let keeping = Task { [self] in await keepAliveLoop() }
        let flushing = Task { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.flushInterval)
                let (diff, usage) = flush()
                if let diff { onPeers(diff) }
                if let usage { onOthersUsage(usage) }
            }
        }
        lock.withLock { tasks = [watching, keeping, flushing] }
    }

    /// The pending invites as last seen; from any thread.
    public var invites: [Invite] { lock.withLock { Array(inviteValues.values) } }

    /// Stops following and drops the registration at once (a clean exit need not wait for
    /// the lease to run out). Waits at most a second or two for etcd.
    public func stop() {
        let (running, id) = lock.withLock { (tasks, lease) }
        for task in running { task.cancel() }
        guard id != 0 else { return }
        let client = self.client
        let done = DispatchSemaphore(value: 0)
        Task {
            _ = try? await client.lease.revoke(id)
            done.signal()
        }
        _ = done.wait(timeout: .now() + 2)
    }

    /// A watch whose stream breaks (its member died) is opened again at once, on another
    /// member; only a failure to open one (no member answered) counts as losing etcd.
    private func watchLoop() async {
        var backoff = Self.firstBackoff
        while !Task.isCancelled {
            let watch: EtcdWatch
            do {
                let from = lock.withLock { revision } + 1
                watch = try await client.watch(prefix: layout.prefix, fromRevision: from)
            } catch {
                if Task.isCancelled { return }
                lost(error)
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, Self.maximumBackoff)
                continue
            }
            recovered()
            backoff = Self.firstBackoff
            lock.withLock {
                currentWatch = watch
                undelivered = nil
            }
            do {
                var mustRelist = false
                for try await event in watch {
                    switch event {
                    case .put(let kv, _): apply(put: kv)
                    case .delete(let kv, _): apply(delete: kv)
                    case .compacted(let compactRevision):
                        logger.notice("etcd compacted its history past revision \(compactRevision); listing the peers again")
                        mustRelist = true
                    case .canceled(let reason):
                        logger.notice("etcd ended the watch (\(reason)); listing the peers again")
                        mustRelist = true
                    }
                }
                if Task.isCancelled { return }
                if mustRelist { try await relist() }
            } catch {
                if Task.isCancelled { return }
                logger.debug("etcd watch on \(watch.endpoint) ended (\(error)); watching again")
            }
        }
    }

    private func keepAliveLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: Self.keepAliveInterval)
            if Task.isCancelled { return }
            let id = lock.withLock { lease }
            do {
                _ = try await client.lease.keepAliveOnce(id)
                recovered()
                await checkWatchDelivers()
            } catch EtcdError.leaseNotFound {
                logger.notice("etcd forgot this server's lease (it was away too long); registering as '\(serverID)' again")
                try? await reregister()
            } catch {
                lost(error)
            }
        }
    }

    /// A member that stops answering but keeps its connections open (hung, or its process
    /// stopped) leaves the watch silent without breaking it. So the prefix's latest change
    /// is read now and then (from whichever member answers); one the watch still has not
    /// delivered by the next check means the watch is stuck: it is opened again, and the
    /// client starts at the member that answered.
    private func checkWatchDelivers() async {
        guard let latest = try? await client.kv.latestChange(prefix: layout.prefix) else { return }
        let stuck: EtcdWatch? = lock.withLock {
            guard latest.modRevision > revision else {
                undelivered = nil
                return nil
            }
            if let earlier = undelivered, earlier > revision {
                undelivered = nil
                return currentWatch
            }
            undelivered = latest.modRevision
            return nil
        }
        if let stuck {
            logger.notice("the etcd watch on \(stuck.endpoint) delivers nothing (revision \(latest.modRevision) is not here); watching again")
            stuck.cancel()
        }
    }

    private func lost(_ error: Error) {
        let first = lock.withLock { () -> Bool in
            defer { failing = true }
            return !failing
        }
        if first {
            logger.warning("lost etcd (\(error)); serving the last known \(lock.withLock { peers.count }) peers and retrying")
        }
    }

    private func recovered() {
        let was = lock.withLock { () -> Bool in
            defer { failing = false }
            return failing
        }
        if was { logger.notice("etcd answers again; catching up from revision \(lock.withLock { revision })") }
    }

    // MARK: events (any task; state under the lock)

    private func apply(put kv: EtcdKeyValue) {
        if kv.key.hasPrefix(layout.peers) {
            guard let section = decodePeer(kv) else { return }
            lock.withLock {
                peers[kv.key] = (section, kv.createRevision)
                peersDirty = true
            }
        } else if kv.key.hasPrefix(layout.invites) {
            guard let invite = decodeInvite(kv) else { return }
            lock.withLock { inviteValues[kv.key] = invite }
        } else if let parts = layout.usageParts(kv.key), parts.server != serverID {
            lock.withLock {
                otherUsage[kv.key] = kv
                usageDirty = true
            }
        }
        lock.withLock { revision = max(revision, kv.modRevision) }
    }

    private func apply(delete kv: EtcdKeyValue) {
        lock.withLock {
            if peers.removeValue(forKey: kv.key) != nil { peersDirty = true }
            inviteValues.removeValue(forKey: kv.key)
            if otherUsage.removeValue(forKey: kv.key) != nil { usageDirty = true }
            revision = max(revision, kv.modRevision)
        }
    }

    /// The diff since the last flush, and the others' usage, when they changed.
    private func flush() -> (ServerPeerDiff?, [Key: PeerUsage]?) {
        lock.withLock {
            var diff: ServerPeerDiff?
            if peersDirty {
                var config = interface
                config.peers = orderedSections()
                diff = ServerPeerDiff(from: applied, to: config)
                applied = Dictionary(config.peers.map { ($0.publicKey, $0) }, uniquingKeysWith: { $1 })
                peersDirty = false
            }
            var usage: [Key: PeerUsage]?
            if usageDirty {
                usage = othersSum()
                usageDirty = false
            }
            return (diff, usage)
        }
    }

    /// Under the lock.
    private func orderedSections() -> [PeerSection] {
        peers.sorted { ($0.value.created, $0.key) < ($1.value.created, $1.key) }.map(\.value.section)
    }

    /// Under the lock.
    private func othersSum() -> [Key: PeerUsage] {
        (try? UsageSum.total(Array(otherUsage.values), layout: layout, excludingServer: serverID)) ?? [:]
    }

    private func decodePeer(_ kv: EtcdKeyValue) -> PeerSection? {
        do { return try PeerDocument.decode(kv.value) } catch {
            logger.error("etcd key \(kv.key) is not a peer this tunnel reads (\(error)); ignoring it")
            return nil
        }
    }

    private func decodeInvite(_ kv: EtcdKeyValue) -> Invite? {
        do { return try JSONDecoder().decode(Invite.self, from: kv.value) } catch {
            logger.error("etcd key \(kv.key) is not an invite this tunnel reads (\(error)); ignoring it")
            return nil
        }
    }
}
