// How far a TCP mapping's connection has got: enough to pick its idle timeout
// (RFC 5382 section 5, RFC 7857 section 2.2), not a full connection tracker.

/// The phase of the TCP traffic on a mapping.
public enum NATTCPState: Sendable, Equatable, CustomStringConvertible {
    /// A SYN went out; no handshake completed yet.
    case synSent
    /// The remote answered with SYN+ACK and an ACK followed.
    case established
    /// A FIN or RST was seen in either direction.
    case closing

    public var description: String {
        switch self {
        case .synSent: return "syn-sent"
        case .established: return "established"
        case .closing: return "closing"
        }
    }
}
