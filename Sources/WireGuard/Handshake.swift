// Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s as WireGuard runs it (whitepaper 5.4), one value
// per peer, as an explicit state machine:
//   initiator: zeroed -> createInitiation -> createdInitiation -> consumeResponse -> consumedResponse
//   responder: zeroed -> consumeInitiation -> consumedInitiation -> createResponse -> createdResponse
// then beginSession derives the transport keypair and zeroes the handshake. MACs and
// cookies are added and checked outside (PeerCookie, CookieChecker).
public struct Handshake {
    public let remoteStatic: Key
    /// All zeros when the peer has no preshared key, as the protocol prescribes.
    public var presharedKey: Key
    public private(set) var state: HandshakeState = .zeroed
    /// Our index for this handshake (chosen by the caller from its IndexTable).
    public private(set) var localIndex: UInt32 = 0
    /// The peer's index: where our messages for this handshake go.
    public private(set) var remoteIndex: UInt32 = 0
    /// Newest initiation timestamp accepted from this peer (replay protection).
    public private(set) var latestTimestamp: TAI64N = .zero
    /// Monotonic time of the last accepted initiation (flood protection).
    public private(set) var lastInitiationConsumedAt: UInt64?

    private var symmetric: NoiseSymmetricState?
    private var localEphemeral: Key?
    private var remoteEphemeral: Key?

    public init(remoteStatic: Key, presharedKey: Key? = nil) {
        self.remoteStatic = remoteStatic
        self.presharedKey = presharedKey ?? Key(bytes: [UInt8](repeating: 0, count: Key.byteCount))
    }

    // MARK: initiator

    /// Builds an initiation (mac1/mac2 left zero for PeerCookie to fill). `timestamp` is the
    /// wall clock; it is whitened here.
    public mutating func createInitiation(local: StaticIdentity, localIndex: UInt32,
                                          timestamp: TAI64N) throws -> HandshakeInitiation {
        clear()
        var noise = NoiseSymmetricState(responderStatic: remoteStatic)
        let ephemeral = X25519.generatePrivateKey()
        let ephemeralPublic = X25519.publicKey(for: ephemeral).bytes
        noise.mixKey(ephemeralPublic)
        noise.mixHash(ephemeralPublic)
        var key = try Self.mixDHForEncryption(&noise, ephemeral, remoteStatic)
        let encryptedStatic = noise.encryptAndHash(key: key, local.publicKey.bytes)
        SecureMemory.wipe(&key)
        key = try Self.mixDHForEncryption(&noise, local.secretKey, remoteStatic)
        let encryptedTimestamp = noise.encryptAndHash(key: key, timestamp.whitened().bytes)
        SecureMemory.wipe(&key)

        symmetric = noise
        localEphemeral = ephemeral
        self.localIndex = localIndex
        state = .createdInitiation
        return HandshakeInitiation(senderIndex: localIndex, ephemeral: ephemeralPublic,
                                   encryptedStatic: encryptedStatic, encryptedTimestamp: encryptedTimestamp)
    }

    /// Consumes the response to our initiation. The caller found this handshake by the
    /// response's receiver index and has checked its MACs.
    public mutating func consumeResponse(_ message: HandshakeResponse, local: StaticIdentity) throws {
        guard state == .createdInitiation, var noise = symmetric, let ephemeral = localEphemeral else {
            throw HandshakeError.wrongState(expected: .createdInitiation, actual: state)
        }
        guard message.receiverIndex == localIndex else {
            throw HandshakeError.wrongReceiverIndex(expected: localIndex, got: message.receiverIndex)
        }
        guard message.ephemeral.count == Key.byteCount else { throw HandshakeError.malformedField("ephemeral") }
        let responderEphemeral = Key(bytes: message.ephemeral)
        noise.mixKey(message.ephemeral)
        noise.mixHash(message.ephemeral)
        try Self.mixDH(&noise, ephemeral, responderEphemeral)
        try Self.mixDH(&noise, local.secretKey, responderEphemeral)
        var key = noise.mixPresharedKey(presharedKey)
        defer { SecureMemory.wipe(&key) }
        guard noise.decryptAndHash(key: key, message.encryptedNothing) != nil else {
            noise.wipe()
            throw HandshakeError.decryptionFailed(field: "response empty payload")
        }
        symmetric?.wipe()
        symmetric = noise
        remoteEphemeral = responderEphemeral
        remoteIndex = message.senderIndex
        state = .consumedResponse
    }

    // MARK: responder

    /// First half of consuming an initiation: decrypts the initiator's static key with our
    /// identity only, so the caller can find the peer, then call `consumeInitiation` on it.
    public static func identifyInitiator(_ message: HandshakeInitiation,
                                         local: StaticIdentity) throws -> InitiatorIdentity {
        guard message.ephemeral.count == Key.byteCount else { throw HandshakeError.malformedField("ephemeral") }
        var noise = NoiseSymmetricState(responderStatic: local.publicKey)
        let initiatorEphemeral = Key(bytes: message.ephemeral)
        noise.mixKey(message.ephemeral)
        noise.mixHash(message.ephemeral)
        var key = try mixDHForEncryption(&noise, local.secretKey, initiatorEphemeral)
        defer { SecureMemory.wipe(&key) }
        guard let staticBytes = noise.decryptAndHash(key: key, message.encryptedStatic),
              staticBytes.count == Key.byteCount else {
            noise.wipe()
            throw HandshakeError.decryptionFailed(field: "initiator static key")
        }
        return InitiatorIdentity(publicKey: Key(bytes: staticBytes), senderIndex: message.senderIndex,
                                 symmetric: noise, remoteEphemeral: initiatorEphemeral,
                                 encryptedTimestamp: message.encryptedTimestamp)
    }

    /// Second half: checks the timestamp (replay) and the initiation rate (flood) for this
    /// peer. Nothing changes unless every check passes.
    public mutating func consumeInitiation(_ identity: InitiatorIdentity, local: StaticIdentity, now: UInt64) throws {
        guard identity.publicKey == remoteStatic else { throw HandshakeError.wrongPeer }
        var noise = identity.symmetric
        var key = try Self.mixDHForEncryption(&noise, local.secretKey, remoteStatic)
        defer { SecureMemory.wipe(&key) }
        guard let timestampBytes = noise.decryptAndHash(key: key, identity.encryptedTimestamp),
              let timestamp = TAI64N(bytes: timestampBytes) else {
            noise.wipe()
            throw HandshakeError.decryptionFailed(field: "initiation timestamp")
        }
        guard timestamp.isNewer(than: latestTimestamp) else { noise.wipe(); throw HandshakeError.staleTimestamp }
        if let last = lastInitiationConsumedAt, now < last &+ ProtocolConstants.handshakeInitiationRate {
            noise.wipe()
            throw HandshakeError.initiationFlood
        }
        clear()
        symmetric = noise
        remoteEphemeral = identity.remoteEphemeral
        remoteIndex = identity.senderIndex
        latestTimestamp = timestamp
        lastInitiationConsumedAt = now
        state = .consumedInitiation
    }

    /// Builds the response (mac1/mac2 left zero for PeerCookie to fill).
    public mutating func createResponse(local: StaticIdentity, localIndex: UInt32) throws -> HandshakeResponse {
        guard state == .consumedInitiation, var noise = symmetric, let initiatorEphemeral = remoteEphemeral else {
            throw HandshakeError.wrongState(expected: .consumedInitiation, actual: state)
        }
        let ephemeral = X25519.generatePrivateKey()
        let ephemeralPublic = X25519.publicKey(for: ephemeral).bytes
        noise.mixKey(ephemeralPublic)
        noise.mixHash(ephemeralPublic)
        try Self.mixDH(&noise, ephemeral, initiatorEphemeral)
        try Self.mixDH(&noise, ephemeral, remoteStatic)
        var key = noise.mixPresharedKey(presharedKey)
        defer { SecureMemory.wipe(&key) }
        let encryptedNothing = noise.encryptAndHash(key: key, [])

        symmetric?.wipe()
        symmetric = noise
        localEphemeral = ephemeral
        self.localIndex = localIndex
        state = .createdResponse
        return HandshakeResponse(senderIndex: localIndex, receiverIndex: remoteIndex, ephemeral: ephemeralPublic,
                                 encryptedNothing: encryptedNothing)
    }

    // MARK: both

    /// Derives the transport keypair (initiator after consumeResponse, responder after
    /// createResponse) and zeroes the handshake. The keypair keeps `localIndex`: the caller
    /// re-points that index from this handshake to the keypair in its IndexTable.
    public mutating func beginSession(now: UInt64, timers: TimerConfiguration = .standard) throws -> Keypair {
        let isInitiator: Bool
        switch state {
        case .consumedResponse: isInitiator = true
        case .createdResponse: isInitiator = false
        default: throw HandshakeError.wrongState(expected: .consumedResponse, actual: state)
        }
        guard let noise = symmetric else { throw HandshakeError.wrongState(expected: .consumedResponse, actual: state) }
        var (first, second) = noise.transportKeys()
        defer { SecureMemory.wipe(&first); SecureMemory.wipe(&second) }
        let keypair = Keypair(localIndex: localIndex, remoteIndex: remoteIndex,
                              sendingKey: isInitiator ? first : second,
                              receivingKey: isInitiator ? second : first,
                              isInitiator: isInitiator, createdAt: now, timers: timers)
        clear()
        return keypair
    }

    /// Forgets the handshake in progress (keys wiped); keeps the peer's identity, preshared
    /// key and the replay/flood history.
    public mutating func clear() {
        symmetric?.wipe()
        symmetric = nil
        localEphemeral?.wipe()
        localEphemeral = nil
        remoteEphemeral = nil
        localIndex = 0
        remoteIndex = 0
        state = .zeroed
    }

    /// Test hook: the transcript state, to check it never reaches text.
    var symmetricForTesting: NoiseSymmetricState? { symmetric }

    /// C = KDF1(C, DH(private, public)); the shared secret is wiped once mixed in.
    private static func mixDH(_ noise: inout NoiseSymmetricState, _ privateKey: some PrivateKeyBytes, _ publicKey: Key) throws {
        var shared = try dh(privateKey, publicKey)
        defer { SecureMemory.wipe(&shared) }
        noise.mixKey(shared)
    }

    /// (C, k) = KDF2(C, DH(private, public)); returns k, wiping the shared secret.
    private static func mixDHForEncryption(_ noise: inout NoiseSymmetricState, _ privateKey: some PrivateKeyBytes,
                                           _ publicKey: Key) throws -> [UInt8] {
        var shared = try dh(privateKey, publicKey)
        defer { SecureMemory.wipe(&shared) }
        return noise.mixKeyForEncryption(shared)
    }

    private static func dh(_ privateKey: some PrivateKeyBytes, _ publicKey: Key) throws -> [UInt8] {
        do {
            return try X25519.sharedSecret(privateKey: privateKey, publicKey: publicKey).bytes
        } catch {
            throw HandshakeError.weakPublicKey
        }
    }
}
