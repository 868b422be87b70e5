// The server's half of enrolment with an invite code. Each pending invite is a device
// peer under the code's derived key that checks no sources and has no routes: its
// packets reach only this object (ServerRouter.onEnrolmentPacket). A request names the
// key the client made; the invite is burnt and the client added in one atomic step of
// the peer store (the file under its lock, or one etcd transaction) on the housekeeping
// queue (PeerManagement.enrol), then the answer (the client's config,
// without a private key) goes back through the same session. A refused request gets
// silence, as any unauthenticated packet does.
//
// Ownership: `answered`, `inFlight` and the device belong to the reactor's queue;
// `lastSeen` and the file work to `queue` (the housekeeping queue of its own).
import Config
import DataPath
import Dispatch
import Foundation
import Logging
import Peers
import Reactor
import WireGuard

final class ServerEnrolment {
    /// How often the pending invites are looked at: a new invite works within this.
    static let checkInterval: DispatchTimeInterval = .seconds(1)
    /// How long an answered enrolment is remembered, so that a client whose answer was
    /// lost gets the same answer again rather than silence.
    static let answerKeptSeconds: Int64 = 120
    static let peerNamePrefix = "invite:"
    /// The reactor is handed the pending invites when they change, and at least this
    /// often (answered enrolments are forgotten there), so a quiet second costs it nothing.
    static let resyncSeconds: Int64 = 30

    private let store: any PeerStore
    /// The pending invites: etcd's as its follower last saw them; nil: the invites file.
    private let pendingInvites: (() -> [Invite])?
    private let interface: TunnelInterface
    private let router: ServerRouter
    private let logger: Logger
    private let queue: DispatchQueue
    private var timer: DispatchSourceTimer?
    private var lastSeen: ServerPeerSync.FileIdentity?
    private var cachedInvites: [Invite]?
    /// What the reactor was last handed, and when (housekeeping queue).
    private var lastPending: [Key: String]?
    private var lastHandedAt: Int64 = 0
    private var answered: [Key: (client: Key, packet: [UInt8], until: Int64)] = [:]
    private var inFlight: Set<Key> = []

    init(store: any PeerStore, pendingInvites: (() -> [Invite])?, interface: TunnelInterface, router: ServerRouter,
         logger: Logger) {
        self.store = store
        self.pendingInvites = pendingInvites
        self.interface = interface
        self.router = router
        self.logger = logger
        queue = DispatchQueue(label: interface.reactor.queue.label + ".invites")
    }

    /// Serves the pending invites and watches their file; on the reactor's queue.
    func start() {
        router.onEnrolmentPacket = { [unowned self] packet, peer in self.handle(packet, from: peer) }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now(), repeating: Self.checkInterval, leeway: .milliseconds(50))
        timer.setEventHandler { [unowned self] in self.checkInvites() }
        self.timer = timer
        timer.resume()
    }

    func stop() { timer?.cancel() }

    // MARK: housekeeping queue

    /// Reads the pending invites and hands the reactor the ones that should be device peers
    /// now, when they changed (or an invite may have expired).
    private func checkInvites() {
        let now = Int64(Date().timeIntervalSince1970)
        guard let invites = currentInvites()?.filter({ !$0.hasExpired(at: now) }) else { return }
        let pending = Dictionary(invites.compactMap { invite in (try? Key(base64: invite.key)).map { ($0, invite.name) } },
                                 uniquingKeysWith: { first, _ in first })
        guard pending != lastPending || now - lastHandedAt >= Self.resyncSeconds else { return }
        lastPending = pending
        lastHandedAt = now
        interface.reactor.queue.async { [self] in syncDevicePeers(pending, now: now) }
    }

    /// The invites now, or nil when the file cannot be read (logged once per version).
    private func currentInvites() -> [Invite]? {
        if let pendingInvites { return pendingInvites() }
        guard let file = store as? FilePeerStore else { return [] }
        let identity = ServerPeerSync.identity(of: InviteStore.path(forConfig: file.configPath))
        // An unchanged file is not read again; expiry is checked on what was read.
        if identity == lastSeen, let cachedInvites { return cachedInvites }
        defer { lastSeen = identity }
        do {
            cachedInvites = try InviteStore.load(configPath: file.configPath)
            return cachedInvites
        } catch {
            cachedInvites = nil
            if identity != lastSeen { logger.error("\(error); pending invites are not served") }
            return nil
        }
    }

    /// Burns the invite and adds the client; hops back to the reactor with the answer.
    private func enrol(inviteKey: Key, clientKey: Key, peerName: String) {
        let now = Int64(Date().timeIntervalSince1970)
        let outcome: Result<Enrolled, Error>
        do {
            outcome = .success(try PeerManagement.enrol(store: store, inviteKey: inviteKey, clientKey: clientKey, now: now))
        } catch {
            outcome = .failure(error)
        }
        interface.reactor.queue.async { [self] in finish(inviteKey: inviteKey, clientKey: clientKey, outcome, now: now) }
    }

    // MARK: reactor queue

    private func syncDevicePeers(_ pending: [Key: String], now: Int64) {
        answered = answered.filter { $0.value.until > now }
        let device: WireGuardDevice = interface.device
        let stale = device.peers.filter { !$0.checksSource && pending[$0.publicKey] == nil && answered[$0.publicKey] == nil }
        if !stale.isEmpty { device.removePeers(Set(stale.map(\.publicKey))) }
        for (key, name) in pending where device.peer(for: key) == nil {
            device.setPeer(PeerConfiguration(publicKey: key, name: Self.peerNamePrefix + name, checksSource: false),
                           now: SystemClock.monotonicNanoseconds())
        }
    }

    private func handle(_ packet: UnsafeRawBufferPointer, from peer: Peer) {
        guard let clientKey = EnrolmentMessage.parseRequest(packet) else { return }
        let inviteKey = peer.publicKey
        if let earlier = answered[inviteKey] {
            // The same client asking again (its answer was lost): the same answer.
            if earlier.client == clientKey { router.send(earlier.packet, to: peer) }
            return
        }
        guard inFlight.insert(inviteKey).inserted else { return }
        let name = peer.displayName
        queue.async { [self] in enrol(inviteKey: inviteKey, clientKey: clientKey, peerName: name) }
    }

    private func finish(inviteKey: Key, clientKey: Key, _ outcome: Result<Enrolled, Error>,
                        now: Int64) {
        inFlight.remove(inviteKey)
        let device: WireGuardDevice = interface.device
        switch outcome {
        case .failure(let error):
            logger.notice("enrolment refused: \(error)")
            if device.peer(for: inviteKey)?.checksSource == false { device.removePeer(inviteKey) }
        case .success(let enrolled):
            guard let answer = EnrolmentMessage.answer(clientConfig: enrolled.clientConfig),
                  let peer = device.peer(for: inviteKey) else {
                logger.error("enrolled '\(enrolled.name)' but could not answer: the config does not fit one packet")
                return
            }
            answered[inviteKey] = (clientKey, answer, now + Self.answerKeptSeconds)
            // The client's real session starts right after the answer: its peer is set now
            // rather than when the config watcher sees the file (within a second).
            device.setPeer(ServerPeerDiff.configuration(of: enrolled.serverPeer), now: SystemClock.monotonicNanoseconds())
            router.send(answer, to: peer)
            logger.notice("enrolled '\(enrolled.name)' with its own key \(clientKey.base64)")
        }
    }
}
