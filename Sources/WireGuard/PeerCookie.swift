// The sending side of the cookie mechanism for one peer (the kernel's struct cookie): fills
// mac1 (and mac2 while a fresh cookie is held) in our handshake messages, and takes the
// cookie out of the peer's cookie reply.
public struct PeerCookie {
    /// HASH("mac1----" || peer public key).
    private let mac1Key: [UInt8]
    /// HASH("cookie--" || peer public key).
    private let cookieKey: [UInt8]
    private var lastMAC1Sent: [UInt8]?
    private var cookie: [UInt8]?
    private var cookieReceivedAt: UInt64 = 0

    public init(remoteStatic: Key) {
        mac1Key = Blake2s.hash(ProtocolConstants.labelMAC1, remoteStatic.bytes)
        cookieKey = Blake2s.hash(ProtocolConstants.labelCookie, remoteStatic.bytes)
    }

    /// Writes mac1 and mac2 into an encoded type 1 or type 2 message. mac2 stays zero
    /// unless we hold a cookie younger than COOKIE_SECRET_MAX_AGE - COOKIE_SECRET_LATENCY.
    public mutating func addMACs(to message: UnsafeMutableRawBufferPointer, now: UInt64) {
        let readable = UnsafeRawBufferPointer(message)
        precondition(MACLayout.isHandshake(readable), "MACs go on handshake initiations and responses only")
        let mac1 = Blake2s.mac(key: mac1Key, MACLayout.coveredByMAC1(readable))
        write(mac1, to: message, at: MACLayout.mac1Offset(message.count))
        lastMAC1Sent = mac1
        var mac2 = [UInt8](repeating: 0, count: MACLayout.macLength)
        if let cookie, now < cookieReceivedAt &+ ProtocolConstants.cookieSecretMaxAge
            &- ProtocolConstants.cookieSecretLatency {
            mac2 = Blake2s.mac(key: cookie, MACLayout.coveredByMAC2(readable))
        }
        write(mac2, to: message, at: MACLayout.mac2Offset(message.count))
    }

    public mutating func addMACs(to message: inout [UInt8], now: UInt64) {
        message.withUnsafeMutableBytes { addMACs(to: $0, now: now) }
    }

    /// Takes the cookie from a reply to our last handshake message (the caller found this
    /// peer through the reply's receiver index).
    public mutating func consume(_ reply: CookieReply, now: UInt64) throws {
        guard let mac1 = lastMAC1Sent else { throw CookieError.noMessageSent }
        guard let value = XChaChaPoly.open(key: cookieKey, nonce: reply.nonce, ciphertext: reply.encryptedCookie,
                                           associatedData: mac1),
              value.count == MACLayout.macLength else { throw CookieError.decryptionFailed }
        cookie = value
        cookieReceivedAt = now
        // One reply per message: a second copy of the same reply is not taken again.
        lastMAC1Sent = nil
    }

    public var hasCookie: Bool { cookie != nil }

    private func write(_ bytes: [UInt8], to message: UnsafeMutableRawBufferPointer, at offset: Int) {
        for (i, b) in bytes.enumerated() { message[offset + i] = b }
    }
}
