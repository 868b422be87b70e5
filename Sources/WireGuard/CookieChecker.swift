// The responder side of WireGuard's DoS mitigation (the kernel's cookie_checker): checks
// mac1 on every handshake message, and under load demands mac2 made with a cookie bound
// to the sender's address, handing out cookies in encrypted cookie replies. One per
// device; the source address arrives as opaque bytes (address then port) from the caller.
public final class CookieChecker {
    private let mac1Key: [UInt8]
    private let cookieKey: [UInt8]
    private var secret = [UInt8](repeating: 0, count: 32)
    private var secretBornAt: UInt64?

    public init(local: StaticIdentity) {
        mac1Key = local.mac1Key
        cookieKey = local.cookieKey
    }

    deinit { SecureMemory.wipe(&secret) }

    /// Checks a type 1 or type 2 message (exactly as received, MACs included).
    public func validate(_ message: UnsafeRawBufferPointer, source: [UInt8], underLoad: Bool,
                         now: UInt64) -> MACValidation {
        guard MACLayout.isHandshake(message) else { return .invalidMAC1 }
        let expected1 = Blake2s.mac(key: mac1Key, MACLayout.coveredByMAC1(message))
        guard expected1.withUnsafeBytes({ SecureMemory.equal($0, MACLayout.mac1(message)) }) else {
            return .invalidMAC1
        }
        guard underLoad else { return .valid }
        var cookie = makeCookie(source: source, now: now)
        defer { SecureMemory.wipe(&cookie) }
        let expected2 = Blake2s.mac(key: cookie, MACLayout.coveredByMAC2(message))
        let ok = expected2.withUnsafeBytes { SecureMemory.equal($0, MACLayout.mac2(message)) }
        return ok ? .valid : .validMAC1ButNeedsCookie
    }

    public func validate(_ message: [UInt8], source: [UInt8], underLoad: Bool, now: UInt64) -> MACValidation {
        message.withUnsafeBytes { validate($0, source: source, underLoad: underLoad, now: now) }
    }

    /// The cookie reply for a handshake message that got `.validMAC1ButNeedsCookie`. Nil if
    /// `message` is not a handshake message.
    public func makeReply(to message: UnsafeRawBufferPointer, source: [UInt8], now: UInt64) -> CookieReply? {
        guard MACLayout.isHandshake(message) else { return nil }
        let senderIndex = message.loadUnaligned(fromByteOffset: 4, as: UInt32.self).littleEndian
        var cookie = makeCookie(source: source, now: now)
        defer { SecureMemory.wipe(&cookie) }
        let nonce = SecureRandom.bytes(XChaChaPoly.nonceLength)
        let encrypted = XChaChaPoly.seal(key: cookieKey, nonce: nonce, plaintext: cookie,
                                         associatedData: Array(MACLayout.mac1(message)))
        return CookieReply(receiverIndex: senderIndex, nonce: nonce, encryptedCookie: encrypted)
    }

    public func makeReply(to message: [UInt8], source: [UInt8], now: UInt64) -> CookieReply? {
        message.withUnsafeBytes { makeReply(to: $0, source: source, now: now) }
    }

    /// Test hook: the current secret, to check it never reaches text.
    var secretForTesting: [UInt8] { secret }

    /// cookie = MAC(secret, source); the secret is replaced every COOKIE_SECRET_MAX_AGE so
    /// a cookie stops working at most that long after it was issued.
    private func makeCookie(source: [UInt8], now: UInt64) -> [UInt8] {
        if secretBornAt.map({ now >= $0 &+ ProtocolConstants.cookieSecretMaxAge }) ?? true {
            SecureMemory.wipe(&secret)
            secret = SecureRandom.bytes(32)
            secretBornAt = now
        }
        return Blake2s.mac(key: secret, source)
    }
}

/// The secret (and the keys beside it) stay out of `dump` and debuggers.
extension CookieChecker: CustomReflectable {
    public var customMirror: Mirror { Mirror(self, children: EmptyCollection<Mirror.Child>()) }
}
