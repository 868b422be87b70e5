// This device's static key pair, with the two keys derived from its public key that every
// incoming handshake needs: the mac1 key (to check mac1 on messages sent to us) and the
// cookie key (to encrypt cookie replies we send). The private key lives in a SecretKey:
// out of core dumps, wiped when the identity is replaced.
public struct StaticIdentity: Sendable {
    public let secretKey: SecretKey
    public let publicKey: Key
    /// HASH("mac1----" || our public key).
    public let mac1Key: [UInt8]
    /// HASH("cookie--" || our public key).
    public let cookieKey: [UInt8]

    /// An unprotected copy, for the control socket's `get` and for tests.
    public var privateKey: Key { secretKey.key }

    public init(privateKey: Key) {
        self.secretKey = SecretKey(privateKey)
        self.publicKey = X25519.publicKey(for: secretKey)
        self.mac1Key = Blake2s.hash(ProtocolConstants.labelMAC1, publicKey.bytes)
        self.cookieKey = Blake2s.hash(ProtocolConstants.labelCookie, publicKey.bytes)
    }
}
