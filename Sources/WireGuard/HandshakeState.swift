// Where a peer's handshake stands (the kernel's handshake_state).
public enum HandshakeState: Equatable, Sendable {
    case zeroed
    case createdInitiation
    case consumedInitiation
    case createdResponse
    case consumedResponse
}
