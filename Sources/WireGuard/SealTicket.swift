// What Keypair.reserveSeal fixed for one outgoing message, for the cipher work after it.
public struct SealTicket: Sendable {
    public let counter: UInt64
    /// Plaintext bytes to encrypt, padding included.
    public let paddedLength: Int
    /// The whole message: header, padded ciphertext, tag.
    public let totalLength: Int
}
