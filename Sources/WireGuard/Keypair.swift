// A transport session: one sending key with its counter, one receiving key with its replay
// window, both indices. Seal and open work in place in the caller's buffer and allocate
// nothing. Each is split in two so the cipher work can run on other threads: the
// decisions (counter, replay window) belong to the owning queue, the cipher work to a
// lane, and each lane has its own contexts. Not internally synchronised: wipe() and
// prepareLanes() run only when no lane is at work.
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

    /// One cipher context per lane, lane 0 for the owning queue's own use; each direction
    /// has its own, so sealing and opening never share one.
    private var senders: [ChaChaPoly]
    private var receivers: [ChaChaPoly]

    /// The device's timing rules (a test may shorten them), fixed at creation.
    let timers: TimerConfiguration

    public init(localIndex: UInt32, remoteIndex: UInt32, sendingKey: [UInt8], receivingKey: [UInt8],
                isInitiator: Bool, createdAt: UInt64, timers: TimerConfiguration = .standard) {
        self.timers = timers
        self.localIndex = localIndex
        self.remoteIndex = remoteIndex
        self.isInitiator = isInitiator
        self.createdAt = createdAt
        senders = [ChaChaPoly(key: sendingKey)]
        receivers = [ChaChaPoly(key: receivingKey)]
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
        let ticket = try reserveSeal(payloadLength: payloadLength, in: buffer, now: now, mtu: mtu)
        guard encrypt(ticket, in: buffer, lane: 0) else { throw .keypairWiped }
        return ticket.totalLength
    }

    /// The first half of `seal`, on the owning queue: the checks, the counter, the header
    /// and the padding. The message is complete once `encrypt` has run on the ticket.
    public func reserveSeal(payloadLength: Int, in buffer: UnsafeMutableRawBufferPointer, now: UInt64,
                            mtu: Int = Int.max) throws(TransportError) -> SealTicket {
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
        return SealTicket(counter: counter, paddedLength: padded, totalLength: total)
    }

    /// The cipher half of `seal`. Any thread may run it, with a lane no other thread uses
    /// at the same time (see `prepareLanes`); false if the keypair was wiped.
    public func encrypt(_ ticket: SealTicket, in buffer: UnsafeMutableRawBufferPointer, lane: Int) -> Bool {
        guard lane < senders.count else { return false }
        let body = UnsafeMutableRawBufferPointer(rebasing: buffer[TransportHeader.length..<ticket.totalLength])
        return senders[lane].seal(counter: ticket.counter, buffer: body, plaintextCount: ticket.paddedLength)
    }

    /// Authenticates and decrypts a type 4 message in place; returns the range of the
    /// (still padded) plaintext within `message`. The replay window changes only after
    /// the message authenticates.
    public func open(_ message: UnsafeMutableRawBufferPointer, now: UInt64) throws(TransportError) -> Range<Int> {
        let counter = try admit(UnsafeRawBufferPointer(message), now: now)
        guard decrypt(message, counter: counter, lane: 0) else { throw .authenticationFailed }
        return try accept(message, counter: counter)
    }

    /// The checks `open` makes before decrypting, on the owning queue; nothing changes.
    /// Returns the message's counter.
    public func admit(_ message: UnsafeRawBufferPointer, now: UInt64) throws(TransportError) -> UInt64 {
        guard !isWiped else { throw .keypairWiped }
        guard let header = TransportHeader(parsing: message) else { throw .malformed(length: message.count) }
        guard header.receiverIndex == localIndex else {
            throw .wrongReceiverIndex(expected: localIndex, got: header.receiverIndex)
        }
        guard !isExpired(now: now) else { throw .expired }
        if let rejection = replayWindow.check(header.counter) { throw Self.error(rejection, header.counter) }
        return header.counter
    }

    /// The cipher part of `open`: any thread, on its own lane, as `encrypt`. False if the
    /// message does not authenticate (its plaintext is then wiped) or the keypair was.
    public func decrypt(_ message: UnsafeMutableRawBufferPointer, counter: UInt64, lane: Int) -> Bool {
        guard lane < receivers.count else { return false }
        let body = UnsafeMutableRawBufferPointer(rebasing: message[TransportHeader.length..<message.count])
        return receivers[lane].open(counter: counter, buffer: body)
    }

    /// The last step of `open`, on the owning queue, once the message authenticated: the
    /// replay window records the counter (a duplicate decrypted alongside fails here).
    public func accept(_ message: UnsafeMutableRawBufferPointer, counter: UInt64) throws(TransportError) -> Range<Int> {
        guard !isWiped else { throw .keypairWiped }
        guard replayWindow.accept(counter) else { throw .replayed(counter: counter) }
        return TransportHeader.length..<(message.count - ChaChaPoly.tagLength)
    }

    /// Gives each of `count` lanes its own cipher contexts (copies of lane 0's), so that
    /// many threads may encrypt and decrypt under this keypair at once. Runs on the owning
    /// queue, never while lanes are at work; costs nothing once done.
    public func prepareLanes(_ count: Int) {
        while senders.count < count, !isWiped,
              let sender = ChaChaPoly(copying: senders[0]), let receiver = ChaChaPoly(copying: receivers[0]) {
            senders.append(sender)
            receivers.append(receiver)
        }
    }

    /// Cipher lanes ready for use.
    public var laneCount: Int { senders.count }

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
        for context in senders { context.wipe() }
        for context in receivers { context.wipe() }
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
