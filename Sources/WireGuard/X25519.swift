// Curve25519 Diffie-Hellman (RFC 7748) over OpenSSL's raw X25519 keys.
import COpenSSL

public enum X25519 {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// The peer's public key is a low-order point: the shared secret would be all zeros.
        case weakPublicKey

        public var description: String {
            "the remote public key is a low-order Curve25519 point (shared secret would be zero)"
        }
    }

    /// A fresh private key, clamped as RFC 7748 section 5 prescribes (as `wg genkey` does).
    public static func generatePrivateKey() -> Key {
        var bytes = SecureRandom.bytes(Key.byteCount)
        defer { SecureMemory.wipe(&bytes) }
        bytes[0] &= 248
        bytes[31] = (bytes[31] & 127) | 64
        return Key(bytes: bytes)
    }

    public static func publicKey(for privateKey: some PrivateKeyBytes) -> Key {
        let pkey = makePrivate(privateKey)
        defer { EVP_PKEY_free(pkey) }
        var out = [UInt8](repeating: 0, count: Key.byteCount)
        var length = out.count
        OpenSSLError.check(EVP_PKEY_get_raw_public_key(pkey, &out, &length), "EVP_PKEY_get_raw_public_key")
        return Key(bytes: out)
    }

    /// DH(privateKey, publicKey); rejects an all-zero result (low-order remote point).
    public static func sharedSecret(privateKey: some PrivateKeyBytes, publicKey: Key) throws -> Key {
        let mine = makePrivate(privateKey)
        defer { EVP_PKEY_free(mine) }
        guard let theirs = publicKey.bytes.withUnsafeBufferPointer({
            EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nil, $0.baseAddress, $0.count)
        }) else { OpenSSLError.fail("EVP_PKEY_new_raw_public_key") }
        defer { EVP_PKEY_free(theirs) }
        guard let ctx = EVP_PKEY_CTX_new(mine, nil) else { OpenSSLError.fail("EVP_PKEY_CTX_new") }
        defer { EVP_PKEY_CTX_free(ctx) }
        OpenSSLError.check(EVP_PKEY_derive_init(ctx), "EVP_PKEY_derive_init")
        // OpenSSL itself refuses to derive an all-zero secret; both paths mean a weak key.
        guard EVP_PKEY_derive_set_peer(ctx, theirs) == 1 else { throw Failure.weakPublicKey }
        var out = [UInt8](repeating: 0, count: Key.byteCount)
        defer { SecureMemory.wipe(&out) }
        var length = out.count
        guard EVP_PKEY_derive(ctx, &out, &length) == 1, length == Key.byteCount else {
            ERR_clear_error()
            throw Failure.weakPublicKey
        }
        let zero = [UInt8](repeating: 0, count: Key.byteCount)
        guard !SecureMemory.equal(out, zero) else { throw Failure.weakPublicKey }
        return Key(bytes: out)
    }

    /// OpenSSL keeps its own copy in the EVP_PKEY and clears it when the key is freed.
    private static func makePrivate(_ key: some PrivateKeyBytes) -> OpaquePointer {
        guard let pkey = key.withUnsafeBytes({
            EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nil, $0.bindMemory(to: UInt8.self).baseAddress, $0.count)
        }) else { OpenSSLError.fail("EVP_PKEY_new_raw_private_key") }
        return pkey
    }
}
