// Which of a server's addresses a client talks to, and when to move on. A client may
// know several (several --connect, or a name with several addresses: DNS round robin
// over servers that share their peers); when `unansweredBeforeNext` initiations in a row
// went unanswered (15 s at REKEY_TIMEOUT's 5 s) it tries the next address, and after the
// last one it asks for the names to be resolved again and starts over. Every initiation
// counts, not only the timer's retries: a packet waiting for a session starts a fresh
// (non-retry) initiation when it wins the race with the retransmit timer, and counting
// only retries let that stretch the wait by a whole attempt. An answered handshake keeps
// the address in use. Pure: fed device events; the caller
// resolves names and sets the peer's endpoint. A class: the reactor's queue owns it, and
// the name lookups hand their answer back to it there.
import Addresses
import WireGuard

public final class EndpointFailover {
    public static let unansweredBeforeNext = 3

    public enum Action: Equatable {
        /// Send to this address from now on, starting with an initiation at once (the one
        /// just sent went to the address that does not answer).
        case use(Endpoint)
        /// Every address was tried: resolve the names again and call `refreshed`.
        case resolveAgain
    }

    public private(set) var candidates: [Endpoint]
    public private(set) var index = 0
    /// Initiations sent since the last answer or the last move.
    private var unanswered = 0

    public init(candidates: [Endpoint]) {
        self.candidates = candidates
    }

    public var current: Endpoint? { candidates.indices.contains(index) ? candidates[index] : nil }

    public func handle(_ event: DeviceEvent) -> Action? {
        switch event {
        case .handshakeInitiationSent:
            unanswered += 1
            // The one just sent is past the allowance: the previous ones each had
            // REKEY_TIMEOUT to be answered.
            guard unanswered > Self.unansweredBeforeNext else { return nil }
            unanswered = 0
            if index + 1 < candidates.count {
                index += 1
                return .use(candidates[index])
            }
            return .resolveAgain
        case .sessionEstablished:
            unanswered = 0
            return nil
        default:
            return nil
        }
    }

    /// The names' addresses now; returns the one to use (the first), or nil to keep the
    /// current one when the lookup found nothing.
    public func refreshed(_ addresses: [Endpoint]) -> Endpoint? {
        guard !addresses.isEmpty else { return nil }
        candidates = addresses
        index = 0
        unanswered = 0
        return candidates[0]
    }
}
