// A transport session: one sending key with its counter, one receiving key with its replay
// window, both indices. Seal and open work in place in the caller's buffer and allocate
// nothing. Not internally synchronised: sealing touches only the sending half and opening
// only the receiving half, so one queue may seal while another opens, but each half has
// one owner, and wipe() runs only when neither is in use.
public final class Keypair {
    public let localIndex: UInt32
    public let remoteIndex: UInt32
    public let isInitiator: Bool
    /// Monotonic time of the handshake that created it.
    public let createdAt: UInt64
    /// The counter the next sealed message will carry.
    public private(set) var sendingCounter: UInt64 = 0
    public private(set) var replayWindow = ReplayWindow()
    public private(set) var isWiped = false

    private let sender: ChaChaPoly
    private let receiver: ChaChaPoly

    /// The device's timing rules (a test may shorten them), fixed at creation.
    let timers: TimerConfiguration

    public init(localIndex: UInt32, remoteIndex: UInt32, sendingKey: [UInt8], receivingKey: [UInt8],
                isInitiator: Bool, createdAt: UInt64, timers: TimerConfiguration = .standard) {
        self.timers = timers
        self.localIndex = localIndex
        self.remoteIndex = remoteIndex
        self.isInitiator = isInitiator
        self.createdAt = createdAt
        sender = ChaChaPoly(key: sendingKey)
        receiver = ChaChaPoly(key: receivingKey)
    }

    deinit { wipe() }

    /// Bytes a sealed message of `payloadLength` occupies (header + padded payload + tag).
    public static func sealedLength(payloadLength: Int, mtu: Int = Int.max) -> Int {
        TransportHeader.length + TransportHeader.paddedLength(payloadLength, mtu: mtu) + ChaChaPoly.tagLength
    }

    /// Seals the plaintext at `buffer[16 ..< 16 + payloadLength]` into a complete type 4
    /// message starting at `buffer[0]`; returns its length. Zero payload is a keepalive.
    public func seal(payloadLength: Int, in buffer: UnsafeMutableRawBufferPointer, now: UInt64,
                     mtu: Int = Int.max) throws(TransportError) -> Int {
        guard !isWiped else { throw .keypairWiped }
        guard payloadLength >= 0 else { throw .bufferTooSmall(needed: 0, available: buffer.count) }
        let padded = TransportHeader.paddedLength(payloadLength, mtu: mtu)
        let total = TransportHeader.length + padded + ChaChaPoly.tagLength
        guard buffer.count >= total else { throw .bufferTooSmall(needed: total, available: buffer.count) }
        guard !isExpired(now: now) else { throw .expired }
        guard sendingCounter < ProtocolConstants.rejectAfterMessages else { throw .counterExhausted }
        let counter = sendingCounter
        sendingCounter += 1

        let payloadEnd = TransportHeader.length + payloadLength
        let paddingEnd = TransportHeader.length + padded
        if paddingEnd > payloadEnd {
            SecureMemory.wipe(UnsafeMutableRawBufferPointer(rebasing: buffer[payloadEnd..<paddingEnd]))
        }
        TransportHeader(receiverIndex: remoteIndex, counter: counter).write(to: buffer)
        let body = UnsafeMutableRawBufferPointer(rebasing: buffer[TransportHeader.length..<total])
        guard sender.seal(counter: counter, buffer: body, plaintextCount: padded) else { throw .keypairWiped }
        return total
    }

    /// Authenticates and decrypts a type 4 message in place; returns the range of the
    /// (still padded) plaintext within `message`. The replay window changes only after
    /// the message authenticates.
    public func open(_ message: UnsafeMutableRawBufferPointer, now: UInt64) throws(TransportError) -> Range<Int> {
        guard !isWiped else { throw .keypairWiped }
        guard let header = TransportHeader(parsing: UnsafeRawBufferPointer(message)) else {
            throw .malformed(length: message.count)
        }
        guard header.receiverIndex == localIndex else {
            throw .wrongReceiverIndex(expected: localIndex, got: header.receiverIndex)
        }
        guard !isExpired(now: now) else { throw .expired }
        if let rejection = replayWindow.check(header.counter) { throw Self.error(rejection, header.counter) }
        let body = UnsafeMutableRawBufferPointer(rebasing: message[TransportHeader.length..<message.count])
        guard receiver.open(counter: header.counter, buffer: body) else { throw .authenticationFailed }
        guard replayWindow.accept(header.counter) else { throw .replayed(counter: header.counter) }
        return TransportHeader.length..<(message.count - ChaChaPoly.tagLength)
    }

    /// REJECT_AFTER_TIME has passed since the handshake: neither direction may be used.
    public func isExpired(now: UInt64) -> Bool {
        now >= createdAt &+ timers.rejectAfterTime
    }

    /// The sender should start a new handshake: too many messages, or (initiator only,
    /// so both sides do not rekey at once) REKEY_AFTER_TIME has passed.
    public func needsRekey(now: UInt64) -> Bool {
        sendingCounter >= timers.rekeyAfterMessages
            || (isInitiator && now >= createdAt &+ timers.rekeyAfterTime)
    }

    /// Destroys both keys; every later seal and open fails with `.keypairWiped`.
    public func wipe() {
        sender.wipe()
        receiver.wipe()
        isWiped = true
    }

    /// Test hook for counter-limit behaviour without sealing 2^60 messages.
    func setSendingCounterForTesting(_ value: UInt64) { sendingCounter = value }

    private static func error(_ rejection: ReplayWindow.Rejection, _ counter: UInt64) -> TransportError {
        switch rejection {
        case .replayed: return .replayed(counter: counter)
        case .tooOld: return .tooOld(counter: counter)
        case .counterLimit: return .counterLimit(counter: counter)
        }
    }
}
