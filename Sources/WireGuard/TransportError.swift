// Why a transport message could not be sealed or opened. Receive-side cases are all
// "drop the packet"; send-side ones mean "start a new handshake".
public enum TransportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not a type 4 message, or shorter than header + tag.
    case malformed(length: Int)
    case wrongReceiverIndex(expected: UInt32, got: UInt32)
    /// Older than REJECT_AFTER_TIME.
    case expired
    /// Sending counter reached REJECT_AFTER_MESSAGES.
    case counterExhausted
    case replayed(counter: UInt64)
    /// Too far behind the newest counter for the replay window to judge.
    case tooOld(counter: UInt64)
    /// Received counter at or past REJECT_AFTER_MESSAGES.
    case counterLimit(counter: UInt64)
    case authenticationFailed
    case bufferTooSmall(needed: Int, available: Int)
    /// The keypair was wiped (retired).
    case keypairWiped

    public var description: String {
        switch self {
        case let .malformed(length): return "not a transport data message (\(length) bytes)"
        case let .wrongReceiverIndex(expected, got): return "message is for index \(got), this keypair is \(expected)"
        case .expired: return "keypair is older than REJECT_AFTER_TIME (180 s)"
        case .counterExhausted: return "sending counter reached REJECT_AFTER_MESSAGES"
        case let .replayed(counter): return "counter \(counter) was already received (replay)"
        case let .tooOld(counter): return "counter \(counter) is behind the replay window"
        case let .counterLimit(counter): return "counter \(counter) is at or past REJECT_AFTER_MESSAGES"
        case .authenticationFailed: return "message did not authenticate (corrupt, forged, or other keys)"
        case let .bufferTooSmall(needed, available): return "buffer needs \(needed) bytes, has \(available)"
        case .keypairWiped: return "keypair has been retired"
        }
    }
}
