// What the protocol engine asks of the I/O around it. The engine never touches a socket
// or a TUN: it hands finished bytes to these calls, which must copy or send them before
// returning (the bytes live in the engine's or the caller's buffer), unless the output
// says it holds a datagram until the device completes its encryption.
import Addresses

public protocol DeviceOutput: AnyObject {
    /// Send one UDP datagram to a peer's endpoint.
    func send(datagram: UnsafeRawBufferPointer, to endpoint: Endpoint)
    /// Hand one decrypted, authenticated IP packet from `peer` on: to the local network
    /// stack (the TUN), or for a server, to another peer or its NAT.
    func deliver(packet: UnsafeRawBufferPointer, from peer: Peer)
    /// Something a person may want in the log. Called off the per-packet path only.
    func record(_ event: DeviceEvent)
    /// Whether the output will hold on to a datagram built at these bytes, unsent, until
    /// the device's `completeSeals()`: then its encryption may wait for the rest of the
    /// batch and run on several cores. The bytes are asked about before `send` is called.
    func holdsUntilSealed(_ datagram: UnsafeRawBufferPointer) -> Bool
}

extension DeviceOutput {
    /// An output that sends (or copies) at once: every datagram is encrypted before `send`.
    public func holdsUntilSealed(_ datagram: UnsafeRawBufferPointer) -> Bool { false }
}

/// Events worth a log line, none of which carries a secret.
public enum DeviceEvent: CustomStringConvertible {
    case handshakeInitiationSent(peer: String, retry: Bool)
    case handshakeInitiationReceived(peer: String)
    case handshakeResponseSent(peer: String)
    case sessionEstablished(peer: String, asInitiator: Bool)
    case handshakeRejected(peer: String?, reason: String)
    case cookieReplySent(to: Endpoint)
    case cookieReplyReceived(peer: String)
    case handshakeGaveUp(peer: String)
    case keysZeroed(peer: String)
    case endpointChanged(peer: String, endpoint: Endpoint)

    public var description: String {
        switch self {
        case let .handshakeInitiationSent(p, retry): return "peer \(p): sent handshake initiation\(retry ? " (retry)" : "")"
        case let .handshakeInitiationReceived(p): return "peer \(p): received handshake initiation"
        case let .handshakeResponseSent(p): return "peer \(p): sent handshake response"
        case let .sessionEstablished(p, initiator):
            return "peer \(p): session established (\(initiator ? "we initiated" : "they initiated"))"
        case let .handshakeRejected(p, reason): return "\(p.map { "peer \($0)" } ?? "unknown peer"): handshake rejected: \(reason)"
        case let .cookieReplySent(e): return "under load: sent cookie reply to \(e)"
        case let .cookieReplyReceived(p): return "peer \(p): received cookie reply"
        case let .handshakeGaveUp(p): return "peer \(p): no handshake response after \(ProtocolConstants.rekeyAttemptTime / ProtocolConstants.nanosecondsPerSecond) s, giving up until there is traffic"
        case let .keysZeroed(p): return "peer \(p): no new handshake for \(3 * ProtocolConstants.rejectAfterTime / ProtocolConstants.nanosecondsPerSecond) s, keys zeroed"
        case let .endpointChanged(p, e): return "peer \(p): endpoint is now \(e)"
        }
    }
}
