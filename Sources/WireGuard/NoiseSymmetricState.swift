// The chaining key and transcript hash of a Noise handshake in progress, with the
// operations of the WireGuard whitepaper 5.4 (mix a key, mix the hash, encrypt and hash).
struct NoiseSymmetricState {
    var chainingKey: [UInt8]
    var hash: [UInt8]

    private static let initialChainingKey = Blake2s.hash(ProtocolConstants.construction)
    private static let initialHash = Blake2s.hash(initialChainingKey, ProtocolConstants.identifier)

    /// Ci = HASH(CONSTRUCTION), Hi = HASH(HASH(Ci || IDENTIFIER) || responder static public).
    init(responderStatic: Key) {
        chainingKey = Self.initialChainingKey
        hash = Blake2s.hash(Self.initialHash, responderStatic.bytes)
    }

    mutating func mixHash(_ data: [UInt8]) {
        hash = Blake2s.hash(hash, data)
    }

    /// C = KDF1(C, input).
    mutating func mixKey(_ input: [UInt8]) {
        replaceChainingKey(with: KDF.kdf1(key: chainingKey, input: input))
    }

    /// (C, k) = KDF2(C, input); returns k.
    mutating func mixKeyForEncryption(_ input: [UInt8]) -> [UInt8] {
        let (c, k) = KDF.kdf2(key: chainingKey, input: input)
        replaceChainingKey(with: c)
        return k
    }

    /// Every intermediate chaining key is a secret: the one replaced is wiped, in place
    /// when this state owns it alone. (A working copy's first replacement leaves the
    /// original to its owner, which wipes it when it takes the copy's result or clears.)
    private mutating func replaceChainingKey(with next: [UInt8]) {
        SecureMemory.wipe(&chainingKey)
        chainingKey = next
    }

    /// (C, τ, k) = KDF3(C, psk); H = HASH(H || τ); returns k.
    mutating func mixPresharedKey(_ psk: Key) -> [UInt8] {
        var (c, tau, k) = KDF.kdf3(key: chainingKey, input: psk.bytes)
        replaceChainingKey(with: c)
        mixHash(tau)
        SecureMemory.wipe(&tau)
        return k
    }

    /// AEAD(k, 0, plaintext, H), then H = HASH(H || ciphertext).
    mutating func encryptAndHash(key: [UInt8], _ plaintext: [UInt8]) -> [UInt8] {
        let ciphertext = ChaChaPoly.seal(key: key, counter: 0, plaintext: plaintext, associatedData: hash)
        mixHash(ciphertext)
        return ciphertext
    }

    mutating func decryptAndHash(key: [UInt8], _ ciphertext: [UInt8]) -> [UInt8]? {
        guard let plaintext = ChaChaPoly.open(key: key, counter: 0, ciphertext: ciphertext, associatedData: hash) else {
            return nil
        }
        mixHash(ciphertext)
        return plaintext
    }

    /// The transport keys: (T1, T2) = KDF2(C, empty).
    func transportKeys() -> ([UInt8], [UInt8]) {
        KDF.kdf2(key: chainingKey, input: [])
    }

    mutating func wipe() {
        SecureMemory.wipe(&chainingKey)
        SecureMemory.wipe(&hash)
    }
}

/// The chaining key and hash are secrets: a handshake printed or dumped shows neither.
extension NoiseSymmetricState: CustomStringConvertible, CustomReflectable {
    var description: String { "NoiseSymmetricState(…)" }
    var customMirror: Mirror { Mirror(self, children: EmptyCollection<Mirror.Child>()) }
}
