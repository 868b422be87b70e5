// HChaCha20 (draft-irtf-cfrg-xchacha, section 2.2): derives a ChaCha20 subkey from a key
// and the first 16 bytes of an XChaCha20 nonce. OpenSSL has no HChaCha20, so it is here.
public enum HChaCha20 {
    public static let inputLength = 16
    public static let outputLength = 32

    /// "expand 32-byte k", little-endian words.
    private static let sigma: [UInt32] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574]
    private static let doubleRounds = 10

    public static func subkey(key: [UInt8], input: [UInt8]) -> [UInt8] {
        precondition(key.count == 32 && input.count == inputLength, "HChaCha20 takes a 32-byte key and 16 bytes")
        var state = sigma + words(key) + words(input)
        for _ in 0..<doubleRounds {
            quarterRound(&state, 0, 4, 8, 12)
            quarterRound(&state, 1, 5, 9, 13)
            quarterRound(&state, 2, 6, 10, 14)
            quarterRound(&state, 3, 7, 11, 15)
            quarterRound(&state, 0, 5, 10, 15)
            quarterRound(&state, 1, 6, 11, 12)
            quarterRound(&state, 2, 7, 8, 13)
            quarterRound(&state, 3, 4, 9, 14)
        }
        // Unlike the ChaCha20 block function, no feed-forward: rows 0 and 3 are the output.
        let out = Array(state[0..<4]) + Array(state[12..<16])
        state.withUnsafeMutableBytes { SecureMemory.wipe($0) }
        return out.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (8 * $0)) } }
    }

    private static func words(_ bytes: [UInt8]) -> [UInt32] {
        stride(from: 0, to: bytes.count, by: 4).map { i in
            (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[i + $1]) << (8 * $1) }
        }
    }

    private static func quarterRound(_ s: inout [UInt32], _ a: Int, _ b: Int, _ c: Int, _ d: Int) {
        s[a] &+= s[b]; s[d] ^= s[a]; s[d] = rotl(s[d], 16)
        s[c] &+= s[d]; s[b] ^= s[c]; s[b] = rotl(s[b], 12)
        s[a] &+= s[b]; s[d] ^= s[a]; s[d] = rotl(s[d], 8)
        s[c] &+= s[d]; s[b] ^= s[c]; s[b] = rotl(s[b], 7)
    }

    private static func rotl(_ x: UInt32, _ n: UInt32) -> UInt32 { (x << n) | (x >> (32 - n)) }
}
