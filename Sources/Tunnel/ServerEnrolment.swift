// The server's half of enrolment with an invite code. Each pending invite is a device
// peer under the code's derived key that checks no sources and has no routes: its
// packets reach only this object (ServerRouter.onEnrolmentPacket). A request names the
// key the client made; the invite is burnt and the client added in one locked step on
// the housekeeping queue (PeerManagement.enrol), then the answer (the client's config,
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
    /// How often the invites file is looked at: a new invite works within this.
    static let checkInterval: DispatchTimeInterval = .seconds(1)
    /// How long an answered enrolment is remembered, so that a client whose answer was
    /// lost gets the same answer again rather than silence.
    static let answerKeptSeconds: Int64 = 120
    static let peerNamePrefix = "invite:"
    /// The reactor is handed the pending invites when they change, and at least this
    /// often (answered enrolments are forgotten there), so a quiet second costs it nothing.
    static let resyncSeconds: Int64 = 30

    private let configPath: String
    private let interface: TunnelInterface
    private let router: ServerRouter
    private let logger: Logger
    private let queue: DispatchQueue
    private var timer: DispatchSourceTimer?
    private var lastSeen: ServerPeerSync.FileIdentity?
    /// What the reactor was last handed, and when (housekeeping queue).
    private var lastPending: [Key: String]?
    private var lastHandedAt: Int64 = 0
    private var answered: [Key: (client: Key, packet: [UInt8], until: Int64)] = [:]
    private var inFlight: Set<Key> = []

    init(configPath: String, interface: TunnelInterface, router: ServerRouter, logger: Logger) {
        self.configPath = configPath
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

    /// Re-reads the invites file when it changed (or an invite may have expired) and hands
    /// the reactor the invites that should be device peers now.
    private func checkInvites() {
        let now = Int64(Date().timeIntervalSince1970)
        let identity = ServerPeerSync.identity(of: InviteStore.path(forConfig: configPath))
        let invites: [Invite]
        do {
            invites = try InviteStore.load(configPath: configPath).filter { !$0.hasExpired(at: now) }
        } catch {
            if identity != lastSeen { logger.error("\(error); pending invites are not served") }
            lastSeen = identity
            return
        }
        lastSeen = identity
        let pending = Dictionary(invites.compactMap { invite in (try? Key(base64: invite.key)).map { ($0, invite.name) } },
                                 uniquingKeysWith: { first, _ in first })
        guard pending != lastPending || now - lastHandedAt >= Self.resyncSeconds else { return }
        lastPending = pending
        lastHandedAt = now
        interface.reactor.queue.async { [self] in syncDevicePeers(pending, now: now) }
    }

    /// Burns the invite and adds the client; hops back to the reactor with the answer.
    private func enrol(inviteKey: Key, clientKey: Key, peerName: String) {
        let now = Int64(Date().timeIntervalSince1970)
        let outcome: Result<Enrolled, Error>
        do {
            outcome = .success(try PeerManagement.enrol(configPath: configPath, inviteKey: inviteKey, clientKey: clientKey,
                                                        now: now))
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
