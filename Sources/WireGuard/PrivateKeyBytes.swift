// What X25519 can use as a private key: a plain `Key` (ephemerals, keys being generated)
// or a `SecretKey` (the device's static key, kept out of core dumps). Both hand OpenSSL
// their bytes in place, without a copy.
public protocol PrivateKeyBytes {
    func withUnsafeBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T
}

extension Key: PrivateKeyBytes {}

extension SecretKey: PrivateKeyBytes {}
