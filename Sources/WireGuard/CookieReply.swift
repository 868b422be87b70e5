// Message type 3 (64 bytes): a responder under load answers a handshake message with a
// cookie, encrypted with XChaCha20-Poly1305 under a random 24-byte nonce.
public struct CookieReply: Equatable, Sendable {
    public static let length = 64

    public var receiverIndex: UInt32
    public var nonce: [UInt8]            // 24
    public var encryptedCookie: [UInt8]  // 16 + 16 tag

    public init(receiverIndex: UInt32, nonce: [UInt8], encryptedCookie: [UInt8]) {
        self.receiverIndex = receiverIndex
        self.nonce = nonce
        self.encryptedCookie = encryptedCookie
    }

    public init(bytes: UnsafeRawBufferPointer) throws {
        try WireReader.check(bytes, type: .cookieReply, length: Self.length)
        var r = WireReader(bytes)
        _ = r.take(4)
        receiverIndex = r.uint32LE()
        nonce = r.take(24)
        encryptedCookie = r.take(32)
    }

    public init(bytes: [UInt8]) throws {
        self = try bytes.withUnsafeBytes { try CookieReply(bytes: $0) }
    }

    public func encoded() -> [UInt8] {
        var out = [UInt8].messageHeader(.cookieReply)
        out.appendLE(receiverIndex)
        out += nonce + encryptedCookie
        precondition(out.count == Self.length, "CookieReply fields have wrong sizes")
        return out
    }
}
