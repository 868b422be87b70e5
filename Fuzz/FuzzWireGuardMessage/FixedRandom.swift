// A seeded run must replay: same seed, same corpus, same paths. The devices draw receiver
// indices, ephemeral keys and cookie secrets from OpenSSL's RAND_bytes, and the indices
// decide how the index dictionary probes, which libFuzzer counts as coverage; so two runs
// of `make fuzz-smoke` grew different corpora. This program (only this fuzz program,
// never the tunnel) replaces OpenSSL's generator with a fixed-seed one (splitmix64).
import COpenSSL

enum FixedRandom {
    nonisolated(unsafe) private static var state: UInt64 = 0x7475_6E6E_656C_2121
    nonisolated(unsafe) private static var method = RAND_METHOD(
        seed: { _, _ in 1 }, bytes: { buffer, count in FixedRandom.fill(buffer, count) }, cleanup: nil,
        add: { _, _, _ in 1 }, pseudorand: { buffer, count in FixedRandom.fill(buffer, count) }, status: { 1 })

    /// Before the first device is made: OpenSSL reads the method at every RAND_bytes.
    static func install() {
        precondition(RAND_set_rand_method(&method) == 1, "OpenSSL refused the fixed random method")
    }

    private static func fill(_ buffer: UnsafeMutablePointer<UInt8>?, _ count: Int32) -> Int32 {
        guard let buffer else { return 0 }
        var offset = 0
        while offset < Int(count) {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            for byte in 0..<min(8, Int(count) - offset) {
                buffer[offset + byte] = UInt8(truncatingIfNeeded: z >> (8 * byte))
            }
            offset += 8
        }
        return 1
    }
}
