// A running server's peer limits: counts each peer's traffic into its usage, decides its
// state every second and keeps the device holding exactly the peers that are `active`.
// A disabled, expired or over-quota peer is taken off the WireGuardDevice: its keypairs go
// at once and its handshakes are answered with the silence any unknown key gets; it is
// set again (a new handshake, new keypairs) when it becomes active.
//
// Time: `wallNow` is Unix seconds (expiry, quota periods, the usage file), `now` the
// monotonic clock in nanoseconds (the device's timers).
//
// Ownership: the reactor's queue, which owns the device; the usage snapshots it hands out
// are copies, saved to disk on another queue.
import Config
import Logging
import WireGuard

public final class PeerLifecycle {
    /// A device peer's byte counters when last read; `id` tells a peer set again (whose
    /// counters start at zero) from the one read before.
    struct Reading: Equatable {
        var id: UInt32
        var received: UInt64
        var sent: UInt64
        var handshakeSeconds: UInt64?
    }

    /// A file peer whose state can change with time or traffic: it has a limit, or a usage
    /// reset to apply. The others are always active, so the check each second walks only
    /// these (a server of 10,000 plain peers used to spend 3% of a core on it).
    struct TimedPeer {
        var key: Key
        var name: String?
    }

    private var config: WireGuardConfig
    private var settings: [Key: PeerSettings] = [:]
    public private(set) var usage: [Key: PeerUsage]
    public private(set) var states: [Key: PeerState] = [:]
    private var readings: [Key: Reading] = [:]
    private var timed: [TimedPeer] = []
    /// What the other servers of a cluster counted for each peer (their sum), for quotas;
    /// empty for a server on its own. This server's own count stays in `usage`.
    public var othersUsage: [Key: PeerUsage] = [:]
    private let logger: Logger

    /// `usage` as loaded from the usage file.
    public init(config: WireGuardConfig, usage: [Key: PeerUsage], wallNow: Int64, logger: Logger) {
        self.config = config
        self.usage = usage
        self.logger = logger
        adopt(config, wallNow: wallNow)
    }

    /// The peers that must not be on the device.
    public private(set) var excluded: Set<Key> = []

    public func settings(of key: Key) -> PeerSettings? { settings[key] }

    /// The initial load: which of the file's peers the server may set at start.
    public func startingDiff() -> ServerPeerDiff { ServerPeerDiff(from: [:], to: config) }

    /// The config file changed: counts what the device carried so far, takes the new
    /// limits, and applies `diff` leaving out the peers that may not be on the device.
    public func configChanged(_ diff: ServerPeerDiff, device: WireGuardDevice, now: UInt64,
                              wallNow: Int64) -> ServerPeerDiff.Result {
        account(device, wallNow: wallNow)
        var changed = config
        changed.peers = diff.sections
        adopt(changed, wallNow: wallNow)
        return diff.apply(to: device, now: now, excluded: excluded, log: { logger.notice("\($0)") })
    }

    /// Once a second: counts traffic, re-evaluates states (expiry and quota move with
    /// time and usage), and if any peer's admission changed, brings the device in line.
    /// Nil when the device was left alone.
    public func tick(device: WireGuardDevice, now: UInt64, wallNow: Int64) -> ServerPeerDiff.Result? {
        account(device, wallNow: wallNow)
        let before = excluded
        for peer in timed { decide(peer.key, name: peer.name, wallNow: wallNow) }
        // Only a change of admission touches the device: peers `wg set` added or removed
        // stay as they are until the next change of the file, as before limits existed.
        guard excluded != before else { return nil }
        // Nothing in the file changed: the diff against itself only adds and removes.
        let same = ServerPeerDiff(from: Dictionary(config.peers.map { ($0.publicKey, $0) }, uniquingKeysWith: { $1 }),
                                  to: config)
        return same.apply(to: device, now: now, excluded: excluded, log: { logger.notice("\($0)") })
    }

    /// Adds what each device peer moved since the last reading to its usage. Call before
    /// a peer leaves the device, or its last bytes are lost. Only the file's peers are
    /// counted: a peer only `wg set` added (or an enrolment's temporary key) has no row in
    /// `peer list` and would only grow the usage file.
    public func account(_ device: WireGuardDevice, wallNow: Int64) {
        for peer in device.peers {
            let key = peer.publicKey
            let reading = Reading(id: peer.id, received: peer.receivedBytes, sent: peer.sentBytes,
                                  handshakeSeconds: peer.lastHandshake?.seconds)
            let previous = readings[key]
            // An idle peer costs this one lookup: nothing moved, nothing to count.
            if previous == reading { continue }
            guard settings[key] != nil else { continue }
            let last = previous.flatMap { $0.id == peer.id ? $0 : nil } ?? Reading(id: peer.id, received: 0, sent: 0)
            // A counter below its last reading cannot happen for one peer id; guard anyway.
            let rx = peer.receivedBytes >= last.received ? peer.receivedBytes - last.received : peer.receivedBytes
            let tx = peer.sentBytes >= last.sent ? peer.sentBytes - last.sent : peer.sentBytes
            readings[key] = reading
            var entry = current(key, wallNow: wallNow)
            if rx > 0 || tx > 0 { entry.add(rx: rx, tx: tx) }
            if let handshake = peer.lastHandshake, handshake.seconds >= TAI64N.epochOffset {
                entry.lastHandshake = Int64(clamping: handshake.seconds - TAI64N.epochOffset)
            }
            usage[key] = entry
        }
    }

    /// The peer's usage over every server: this one's and the others', settled alike.
    public func totalUsage(of key: Key, wallNow: Int64) -> PeerUsage? { snapshot.totalUsage(of: key, wallNow: wallNow) }

    /// A copy for another queue, in constant time.
    public var snapshot: PeerLifecycleSnapshot {
        PeerLifecycleSnapshot(sections: config.peers, states: states, settings: settings, usage: usage,
                              othersUsage: othersUsage)
    }

    private func counted(_ key: Key, own: PeerUsage, wallNow: Int64) -> PeerUsage {
        PeerLifecycleSnapshot.counted(own: own, others: othersUsage[key], settings: settings[key], wallNow: wallNow)
    }

    /// A peer's usage settled at `wallNow` (period rolled, reset applied).
    private func current(_ key: Key, wallNow: Int64) -> PeerUsage {
        let peerSettings = settings[key] ?? PeerSettings()
        var entry = usage[key] ?? PeerUsage(periodStart: peerSettings.usageReset ?? wallNow)
        entry.settle(peerSettings, now: wallNow)
        return entry
    }

    private func adopt(_ new: WireGuardConfig, wallNow: Int64) {
        var fresh: [Key: PeerSettings] = [:]
        for section in new.peers {
            let parsed = PeerSettings(section)
            if parsed != settings[section.publicKey] {
                for problem in parsed.problems {
                    logger.error("peer \(section.name ?? section.publicKey.base64): ignoring \(problem)")
                }
            }
            fresh[section.publicKey] = parsed
        }
        config = new
        settings = fresh
        timed = new.peers.compactMap { section in
            let peerSettings = fresh[section.publicKey] ?? PeerSettings()
            return peerSettings.limits == PeerLimits() && peerSettings.usageReset == nil
                ? nil : TimedPeer(key: section.publicKey, name: section.name)
        }
        // Keys gone from the file keep their usage (a peer removed and added back with the
        // same key carries on), but no reading or state.
        readings = readings.filter { fresh[$0.key] != nil }
        evaluate(wallNow: wallNow)
    }

    /// Every file peer, after the file changed; keys gone from it lose their state.
    private func evaluate(wallNow: Int64) {
        let inFile = Set(config.peers.map(\.publicKey))
        states = states.filter { inFile.contains($0.key) }
        excluded = excluded.intersection(inFile)
        for section in config.peers { decide(section.publicKey, name: section.name, wallNow: wallNow) }
    }

    /// Settles the peer's usage and decides its state, logging a change.
    private func decide(_ key: Key, name: String?, wallNow: Int64) {
        let entry = current(key, wallNow: wallNow)
        usage[key] = entry
        let state = PeerState.derive(limits: settings[key]?.limits ?? PeerLimits(),
                                     usage: counted(key, own: entry, wallNow: wallNow), now: wallNow)
        let old = states[key]
        if let old, old != state {
            logger.notice("peer \(name ?? key.base64) is now \(state.rawValue) (was \(old.rawValue))")
        } else if old == nil, state != .active {
            logger.notice("peer \(name ?? key.base64) is \(state.rawValue)")
        }
        guard old != state else { return }
        states[key] = state
        if state.admitsTraffic { excluded.remove(key) } else { excluded.insert(key) }
    }
}
