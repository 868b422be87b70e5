// The verdict on an incoming handshake message's mac1/mac2 (the kernel's cookie_mac_state,
// without its rate-limiter case).
public enum MACValidation: Equatable, Sendable {
    /// mac1 is wrong: the sender does not know our public key. Drop silently.
    case invalidMAC1
    /// mac1 is right, but we are under load and mac2 does not carry a valid cookie for
    /// this source: answer with a cookie reply and do not process the message.
    case validMAC1ButNeedsCookie
    /// Process the message.
    case valid
}
