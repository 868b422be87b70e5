// The Diffie-Hellman of incoming initiations, on a thread of its own, as wireguard-go's
// handshake workers. The reactor's queue keeps the cheap checks in front (MACs, cookies,
// rate limits: `WireGuardDevice.screenInitiation`) and the rest after (the peer's replay
// and flood checks, the response, the session: `completeInitiation`), so a flood of
// initiations from a cookie holder, each costing an X25519 before it can be refused, no
// longer takes that time from the packets.
//
// Ownership: `inFlight` and the completions belong to the reactor's queue; the worker's
// queue runs only `PendingInitiation.identify`, which reads nothing of the device.
import Dispatch
import WireGuard

final class InitiationWorker {
    /// Initiations handed over and not yet back. A bound, so a flood queues no work
    /// without end: at it the device counts as under load (cookies first, then the rate
    /// limits), and an initiation that still passes is dropped and counted
    /// (`handshake_backlog_full`); its initiator retries.
    static let maxInFlight = 32

    private let queue: DispatchQueue
    private let home: DispatchQueue
    /// On the reactor's queue.
    private(set) var inFlight = 0

    var hasRoom: Bool { inFlight < InitiationWorker.maxInFlight }

    /// `home` is the reactor's queue, where `identify`'s completions run.
    init(label: String, home: DispatchQueue) {
        queue = DispatchQueue(label: label)
        self.home = home
    }

    /// On the reactor's queue; `done` runs there too, with the result.
    func identify(_ pending: PendingInitiation, done: @escaping (IdentifiedInitiation) -> Void) {
        inFlight += 1
        queue.async { [home] in
            let identified = pending.identify()
            home.async {
                self.inFlight -= 1
                done(identified)
            }
        }
    }
}
