// A peer's handshake counters: initiations we sent, initiations we received, and
// handshakes that failed (rejected messages, or attempts that got no answer).
public struct HandshakeCounts: Equatable, Sendable {
    public var sent: UInt64
    public var received: UInt64
    public var failed: UInt64

    public init(sent: UInt64, received: UInt64, failed: UInt64) {
        self.sent = sent
        self.received = received
        self.failed = failed
    }

    public var isZero: Bool { sent == 0 && received == 0 && failed == 0 }
}
