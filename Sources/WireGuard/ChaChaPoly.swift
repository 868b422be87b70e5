// ChaCha20-Poly1305 (RFC 8439) over OpenSSL EVP. One instance per key: its cipher context
// is created once and only given a new nonce per message, so sealing or opening a packet
// in place allocates nothing.
import COpenSSL

public final class ChaChaPoly {
    public static let keyLength = 32
    public static let nonceLength = 12
    public static let tagLength = 16

    private static let cipher: OpaquePointer = {
        guard let c = EVP_CIPHER_fetch(nil, "ChaCha20-Poly1305", nil) else {
            OpenSSLError.fail("EVP_CIPHER_fetch(ChaCha20-Poly1305)")
        }
        return c
    }()

    private var context: OpaquePointer?

    public init(key: [UInt8]) {
        precondition(key.count == ChaChaPoly.keyLength, "a ChaCha20-Poly1305 key is 32 bytes")
        guard let ctx = EVP_CIPHER_CTX_new() else { OpenSSLError.fail("EVP_CIPHER_CTX_new") }
        let rc = key.withUnsafeBufferPointer { EVP_CipherInit_ex2(ctx, ChaChaPoly.cipher, $0.baseAddress, nil, 1, nil) }
        OpenSSLError.check(rc, "EVP_CipherInit_ex2")
        context = ctx
    }

    public convenience init(key: Key) {
        self.init(key: key.bytes)
    }

    /// A second context with the same key, so two threads can each seal or open under it
    /// at once (one context cannot be shared). Nil if `other` was wiped.
    public init?(copying other: ChaChaPoly) {
        guard let source = other.context else { return nil }
        guard let ctx = EVP_CIPHER_CTX_new() else { OpenSSLError.fail("EVP_CIPHER_CTX_new") }
        OpenSSLError.check(EVP_CIPHER_CTX_copy(ctx, source), "EVP_CIPHER_CTX_copy")
        context = ctx
    }

    deinit { wipe() }

    /// Frees the context; OpenSSL cleanses the key schedule as it frees it. Afterwards
    /// every seal and open fails.
    public func wipe() {
        if let ctx = context { EVP_CIPHER_CTX_free(ctx) }
        context = nil
    }

    // MARK: in place, WireGuard nonce

    /// Encrypts `buffer[0..<plaintextCount]` in place and writes the 16-byte tag right
    /// after it. `buffer` must hold plaintextCount + 16 bytes.
    public func seal(counter: UInt64, buffer: UnsafeMutableRawBufferPointer, plaintextCount: Int,
                     associatedData: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)) -> Bool {
        ChaChaPoly.withNonce(counter) {
            seal(nonce: $0, buffer: buffer, plaintextCount: plaintextCount, associatedData: associatedData)
        }
    }

    /// Verifies and decrypts `buffer` (ciphertext then tag) in place; the plaintext is
    /// `buffer[0..<buffer.count - 16]`. False if the tag does not verify.
    public func open(counter: UInt64, buffer: UnsafeMutableRawBufferPointer,
                     associatedData: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)) -> Bool {
        ChaChaPoly.withNonce(counter) { open(nonce: $0, buffer: buffer, associatedData: associatedData) }
    }

    // MARK: in place, any 12-byte nonce

    public func seal(nonce: UnsafeRawBufferPointer, buffer: UnsafeMutableRawBufferPointer, plaintextCount: Int,
                     associatedData: UnsafeRawBufferPointer) -> Bool {
        guard let ctx = context, nonce.count == ChaChaPoly.nonceLength, plaintextCount >= 0,
              buffer.count >= plaintextCount + ChaChaPoly.tagLength,
              let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
        guard start(ctx, nonce: nonce, encrypt: true, associatedData: associatedData),
              update(ctx, base, plaintextCount) else { return false }
        var outLength: Int32 = 0
        guard EVP_CipherFinal_ex(ctx, base + plaintextCount, &outLength) == 1 else { return false }
        return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, Int32(ChaChaPoly.tagLength),
                                   base + plaintextCount) == 1
    }

    public func open(nonce: UnsafeRawBufferPointer, buffer: UnsafeMutableRawBufferPointer,
                     associatedData: UnsafeRawBufferPointer) -> Bool {
        let ciphertextCount = buffer.count - ChaChaPoly.tagLength
        guard let ctx = context, nonce.count == ChaChaPoly.nonceLength, ciphertextCount >= 0,
              let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
        guard start(ctx, nonce: nonce, encrypt: false, associatedData: associatedData),
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, Int32(ChaChaPoly.tagLength),
                                  base + ciphertextCount) == 1,
              update(ctx, base, ciphertextCount) else { return false }
        var outLength: Int32 = 0
        let verified = EVP_CipherFinal_ex(ctx, base + ciphertextCount, &outLength) == 1
        if !verified {
            ERR_clear_error()
            // Never hand unauthenticated plaintext back to a caller.
            SecureMemory.wipe(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<ciphertextCount]))
        }
        return verified
    }

    // MARK: allocating, for handshake messages

    /// Returns ciphertext || tag.
    public static func seal(key: [UInt8], counter: UInt64, plaintext: [UInt8], associatedData: [UInt8]) -> [UInt8] {
        withNonce(counter) { nonce in
            seal(key: key, nonce: nonce, plaintext: plaintext, associatedData: associatedData)
        }
    }

    public static func open(key: [UInt8], counter: UInt64, ciphertext: [UInt8], associatedData: [UInt8]) -> [UInt8]? {
        withNonce(counter) { nonce in
            open(key: key, nonce: nonce, ciphertext: ciphertext, associatedData: associatedData)
        }
    }

    public static func seal(key: [UInt8], nonce: UnsafeRawBufferPointer, plaintext: [UInt8],
                            associatedData: [UInt8]) -> [UInt8] {
        var out = plaintext + [UInt8](repeating: 0, count: tagLength)
        let aead = ChaChaPoly(key: key)
        let ok = out.withUnsafeMutableBytes { buffer in
            associatedData.withUnsafeBytes { ad in
                aead.seal(nonce: nonce, buffer: buffer, plaintextCount: plaintext.count, associatedData: ad)
            }
        }
        if !ok { OpenSSLError.fail("ChaCha20-Poly1305 seal") }
        return out
    }

    public static func open(key: [UInt8], nonce: UnsafeRawBufferPointer, ciphertext: [UInt8],
                            associatedData: [UInt8]) -> [UInt8]? {
        guard ciphertext.count >= tagLength else { return nil }
        var out = ciphertext
        let aead = ChaChaPoly(key: key)
        let ok = out.withUnsafeMutableBytes { buffer in
            associatedData.withUnsafeBytes { ad in aead.open(nonce: nonce, buffer: buffer, associatedData: ad) }
        }
        guard ok else { return nil }
        out.removeLast(tagLength)
        return out
    }

    // MARK: helpers

    /// The WireGuard nonce: 4 zero bytes, then the 64-bit counter little-endian.
    @inline(__always)
    static func withNonce<R>(_ counter: UInt64, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        var storage: (UInt64, UInt64) = (0, 0)
        return withUnsafeMutableBytes(of: &storage) { raw in
            var c = counter
            for i in 0..<8 {
                raw[4 + i] = UInt8(truncatingIfNeeded: c)
                c >>= 8
            }
            return body(UnsafeRawBufferPointer(rebasing: raw[0..<nonceLength]))
        }
    }

    private func start(_ ctx: OpaquePointer, nonce: UnsafeRawBufferPointer, encrypt: Bool,
                       associatedData: UnsafeRawBufferPointer) -> Bool {
        // Cipher and key stay from init: only the nonce and the direction change.
        let iv = nonce.baseAddress?.assumingMemoryBound(to: UInt8.self)
        guard EVP_CipherInit_ex2(ctx, nil, nil, iv, encrypt ? 1 : 0, nil) == 1 else { return false }
        guard associatedData.count > 0, let ad = associatedData.baseAddress else { return true }
        var outLength: Int32 = 0
        return EVP_CipherUpdate(ctx, nil, &outLength, ad.assumingMemoryBound(to: UInt8.self),
                                Int32(associatedData.count)) == 1
    }

    private func update(_ ctx: OpaquePointer, _ base: UnsafeMutablePointer<UInt8>, _ count: Int) -> Bool {
        guard count > 0 else { return true }
        var outLength: Int32 = 0
        return EVP_CipherUpdate(ctx, base, &outLength, base, Int32(count)) == 1 && Int(outLength) == count
    }
}
