// Why a cookie reply was not taken.
public enum CookieError: Error, Equatable, Sendable, CustomStringConvertible {
    /// We have not sent a handshake message to this peer that a reply could answer.
    case noMessageSent
    /// It does not decrypt under this peer's cookie key with our last mac1: forged, for an
    /// older message, or from someone else.
    case decryptionFailed

    public var description: String {
        switch self {
        case .noMessageSent: return "cookie reply, but no handshake message was sent to this peer"
        case .decryptionFailed: return "cookie reply did not decrypt (not for our last message, or forged)"
        }
    }
}
