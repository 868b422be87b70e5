// BLAKE2s as WireGuard uses it: HASH (BLAKE2s-256), MAC (keyed BLAKE2s, 16-byte output,
// for mac1/mac2 and cookies) and HMAC (HMAC over BLAKE2s-256, for the KDF).
import COpenSSL

public enum Blake2s {
    public static let hashLength = 32
    public static let macLength = 16

    // Fetched once: a fetch per call would cost a provider lookup per handshake message.
    private static let digest: OpaquePointer = {
        guard let md = EVP_MD_fetch(nil, "BLAKE2S-256", nil) else { OpenSSLError.fail("EVP_MD_fetch(BLAKE2S-256)") }
        return md
    }()
    private static let keyedMAC: OpaquePointer = {
        guard let mac = EVP_MAC_fetch(nil, "BLAKE2SMAC", nil) else { OpenSSLError.fail("EVP_MAC_fetch(BLAKE2SMAC)") }
        return mac
    }()
    private static let hmacMAC: OpaquePointer = {
        guard let mac = EVP_MAC_fetch(nil, "HMAC", nil) else { OpenSSLError.fail("EVP_MAC_fetch(HMAC)") }
        return mac
    }()

    /// HASH(parts[0] || parts[1] || ...).
    public static func hash(_ parts: [UInt8]...) -> [UInt8] {
        hash(parts: parts)
    }

    public static func hash(parts: [[UInt8]]) -> [UInt8] {
        guard let ctx = EVP_MD_CTX_new() else { OpenSSLError.fail("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(ctx) }
        OpenSSLError.check(EVP_DigestInit_ex2(ctx, digest, nil), "EVP_DigestInit_ex2")
        for part in parts {
            part.withUnsafeBytes { p in
                OpenSSLError.check(EVP_DigestUpdate(ctx, p.baseAddress, p.count), "EVP_DigestUpdate")
            }
        }
        var out = [UInt8](repeating: 0, count: hashLength)
        var length: UInt32 = 0
        OpenSSLError.check(EVP_DigestFinal_ex(ctx, &out, &length), "EVP_DigestFinal_ex")
        return out
    }

    /// MAC(key, data): keyed BLAKE2s with a 16-byte output.
    public static func mac(key: [UInt8], _ data: UnsafeRawBufferPointer) -> [UInt8] {
        var size = macLength
        return withUnsafeMutablePointer(to: &size) { sizePointer in
            let params = [OSSL_PARAM_construct_size_t(cString("size"), sizePointer), OSSL_PARAM_construct_end()]
            return compute(keyedMAC, key: key, params: params, parts: [data], outputLength: macLength)
        }
    }

    public static func mac(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        data.withUnsafeBytes { mac(key: key, $0) }
    }

    /// HMAC(key, parts[0] || parts[1] || ...) over BLAKE2s-256.
    public static func hmac(key: [UInt8], _ parts: [UInt8]...) -> [UInt8] {
        var name = Array("BLAKE2S-256".utf8CString)
        return name.withUnsafeMutableBufferPointer { namePointer in
            let params = [OSSL_PARAM_construct_utf8_string(cString("digest"), namePointer.baseAddress, 0),
                          OSSL_PARAM_construct_end()]
            return withRawParts(parts) { raw in
                compute(hmacMAC, key: key, params: params, parts: raw, outputLength: hashLength)
            }
        }
    }

    /// OSSL_PARAM keeps the key pointer, so it must outlive the call: a static string does,
    /// while Swift's bridged temporary for a literal would not.
    private static func cString(_ text: StaticString) -> UnsafePointer<CChar> {
        UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)
    }

    private static func withRawParts<R>(_ parts: [[UInt8]], _ body: ([UnsafeRawBufferPointer]) -> R) -> R {
        // Joined into one buffer: simpler than nesting a closure per part, and HMAC inputs
        // are a few dozen bytes.
        let joined = parts.flatMap { $0 }
        return joined.withUnsafeBytes { body([$0]) }
    }

    private static func compute(_ algorithm: OpaquePointer, key: [UInt8], params: [OSSL_PARAM],
                                parts: [UnsafeRawBufferPointer], outputLength: Int) -> [UInt8] {
        guard let ctx = EVP_MAC_CTX_new(algorithm) else { OpenSSLError.fail("EVP_MAC_CTX_new") }
        defer { EVP_MAC_CTX_free(ctx) }
        let initialised = key.withUnsafeBufferPointer { k in
            params.withUnsafeBufferPointer { p in EVP_MAC_init(ctx, k.baseAddress, k.count, p.baseAddress) }
        }
        OpenSSLError.check(initialised, "EVP_MAC_init")
        for part in parts {
            guard let base = part.baseAddress, part.count > 0 else { continue }
            OpenSSLError.check(EVP_MAC_update(ctx, base.assumingMemoryBound(to: UInt8.self), part.count),
                               "EVP_MAC_update")
        }
        var out = [UInt8](repeating: 0, count: outputLength)
        var length = 0
        OpenSSLError.check(EVP_MAC_final(ctx, &out, &length, outputLength), "EVP_MAC_final")
        return out
    }
}
