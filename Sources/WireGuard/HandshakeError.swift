// Why a handshake step was refused. None of these is fatal: the message is dropped.
public enum HandshakeError: Error, Equatable, CustomStringConvertible {
    case wrongState(expected: HandshakeState, actual: HandshakeState)
    /// A DH result was all zeros: the remote sent a low-order public key.
    case weakPublicKey
    /// An AEAD field did not authenticate: a different static key, a different preshared
    /// key, or a corrupted message.
    case decryptionFailed(field: String)
    /// The initiation's static key belongs to another peer than this handshake's.
    case wrongPeer
    /// The initiation's TAI64N timestamp is not newer than the last accepted one (replay).
    case staleTimestamp
    /// Another initiation from this peer was accepted less than 20 ms ago.
    case initiationFlood
    case wrongReceiverIndex(expected: UInt32, got: UInt32)
    /// A message field built in memory has the wrong size (parsed messages never do).
    case malformedField(String)

    public var description: String {
        switch self {
        case let .wrongState(expected, actual):
            return "handshake is \(actual), this step needs \(expected)"
        case .weakPublicKey:
            return "remote public key is a low-order point (zero shared secret)"
        case let .decryptionFailed(field):
            return "could not decrypt \(field): keys or preshared key differ, or the message is corrupt"
        case .wrongPeer:
            return "initiation is from a different peer's static key"
        case .staleTimestamp:
            return "initiation timestamp is not newer than the last accepted one (replayed initiation)"
        case .initiationFlood:
            return "initiation arrived within 20 ms of the last accepted one from this peer"
        case let .wrongReceiverIndex(expected, got):
            return "response is for index \(got), our initiation used \(expected)"
        case let .malformedField(field):
            return "message field \(field) has the wrong size"
        }
    }
}
