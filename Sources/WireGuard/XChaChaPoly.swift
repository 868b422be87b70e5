// XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha): ChaCha20-Poly1305 under the HChaCha20
// subkey of the first 16 nonce bytes, with nonce 4 zero bytes || last 8 nonce bytes.
// WireGuard uses it only for cookie replies.
public enum XChaChaPoly {
    public static let nonceLength = 24

    public static func seal(key: [UInt8], nonce: [UInt8], plaintext: [UInt8], associatedData: [UInt8]) -> [UInt8] {
        precondition(nonce.count == nonceLength, "an XChaCha20 nonce is 24 bytes")
        var subkey = HChaCha20.subkey(key: key, input: Array(nonce[0..<16]))
        defer { SecureMemory.wipe(&subkey) }
        let inner = [0, 0, 0, 0] + nonce[16..<24]
        return inner.withUnsafeBytes {
            ChaChaPoly.seal(key: subkey, nonce: $0, plaintext: plaintext, associatedData: associatedData)
        }
    }

    public static func open(key: [UInt8], nonce: [UInt8], ciphertext: [UInt8], associatedData: [UInt8]) -> [UInt8]? {
        guard nonce.count == nonceLength else { return nil }
        var subkey = HChaCha20.subkey(key: key, input: Array(nonce[0..<16]))
        defer { SecureMemory.wipe(&subkey) }
        let inner = [0, 0, 0, 0] + nonce[16..<24]
        return inner.withUnsafeBytes {
            ChaChaPoly.open(key: subkey, nonce: $0, ciphertext: ciphertext, associatedData: associatedData)
        }
    }
}
