// The WireGuard KDF (HKDF over HMAC-BLAKE2s): KDF1, KDF2, KDF3 of the whitepaper, 5.4.
public enum KDF {
    /// Returns n 32-byte outputs τ1...τn for chaining key `key` and `input`.
    public static func derive(key: [UInt8], input: [UInt8], count: Int) -> [[UInt8]] {
        precondition((1...3).contains(count), "the WireGuard KDF yields one to three outputs")
        var secret = Blake2s.hmac(key: key, input)
        defer { SecureMemory.wipe(&secret) }
        var outputs: [[UInt8]] = []
        var previous: [UInt8] = []
        for i in 1...count {
            previous = Blake2s.hmac(key: secret, previous, [UInt8(i)])
            outputs.append(previous)
        }
        return outputs
    }

    public static func kdf1(key: [UInt8], input: [UInt8]) -> [UInt8] {
        derive(key: key, input: input, count: 1)[0]
    }

    public static func kdf2(key: [UInt8], input: [UInt8]) -> ([UInt8], [UInt8]) {
        let t = derive(key: key, input: input, count: 2)
        return (t[0], t[1])
    }

    public static func kdf3(key: [UInt8], input: [UInt8]) -> ([UInt8], [UInt8], [UInt8]) {
        let t = derive(key: key, input: input, count: 3)
        return (t[0], t[1], t[2])
    }
}
