// Sliding-window replay protection for received counters (RFC 6479 bitmap ring, as the
// kernel's noise_replay_counter): 8192 bits in 128 words; the window is all of it but one
// word, 8128 counters. `check` is cheap and changes nothing, so it can run before
// decryption; `accept` records a counter and must only run after authentication.
public struct ReplayWindow: Sendable {
    public static let bitCount = 8192
    private static let wordBits = 64
    private static let wordCount = bitCount / wordBits
    public static let windowSize = UInt64(bitCount - wordBits)

    public enum Rejection: Error, Equatable, Sendable {
        /// Already received.
        case replayed
        /// Older than the window reaches: cannot tell if it was received.
        case tooOld
        /// At or past REJECT_AFTER_MESSAGES: the keypair must not be used this far.
        case counterLimit
    }

    private var bitmap = [UInt64](repeating: 0, count: ReplayWindow.wordCount)
    /// One past the greatest counter accepted (0: none yet), so counter 0 is representable.
    private var next: UInt64 = 0

    public init() {}

    /// Greatest counter accepted so far, if any.
    public var greatestAccepted: UInt64? { next == 0 ? nil : next - 1 }

    public func check(_ counter: UInt64) -> Rejection? {
        guard counter < ProtocolConstants.rejectAfterMessages else { return .counterLimit }
        let position = counter + 1
        if position + Self.windowSize < next { return .tooOld }
        if position > next { return nil }
        let (word, mask) = Self.locate(position)
        return bitmap[word] & mask != 0 ? .replayed : nil
    }

    /// Records `counter`; false (and nothing changes) if `check` would reject it.
    @discardableResult
    public mutating func accept(_ counter: UInt64) -> Bool {
        guard check(counter) == nil else { return false }
        let position = counter + 1
        if position > next {
            // Clear the words the window slides over, at most the whole ring.
            let current = next / UInt64(Self.wordBits)
            let top = min(position / UInt64(Self.wordBits) - current, UInt64(Self.wordCount))
            var i: UInt64 = 1
            while i <= top {
                bitmap[Int((current + i) % UInt64(Self.wordCount))] = 0
                i += 1
            }
            next = position
        }
        let (word, mask) = Self.locate(position)
        bitmap[word] |= mask
        return true
    }

    public mutating func reset() {
        for i in 0..<bitmap.count { bitmap[i] = 0 }
        next = 0
    }

    private static func locate(_ position: UInt64) -> (word: Int, mask: UInt64) {
        (Int((position / UInt64(wordBits)) % UInt64(wordCount)), 1 << (position % UInt64(wordBits)))
    }
}
