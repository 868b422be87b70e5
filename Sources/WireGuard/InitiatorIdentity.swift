// The first half of consuming an initiation: the initiator's static public key, decrypted
// so the caller can find which peer sent it, plus the handshake state to continue with.
public struct InitiatorIdentity {
    /// The initiator's static public key: look the peer up by this.
    public let publicKey: Key
    public let senderIndex: UInt32
    private(set) var symmetric: NoiseSymmetricState
    let remoteEphemeral: Key
    let encryptedTimestamp: [UInt8]

    /// The transcript state is a secret: wiped once the initiation is consumed or refused.
    mutating func wipe() { symmetric.wipe() }
}
