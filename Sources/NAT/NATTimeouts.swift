// Idle timeouts of mappings. Defaults follow RFC 4787 REQ-5 (UDP at least 2 min),
// RFC 5382 REQ-5 (TCP established at least 2 h 4 min, transitory 4 min) and
// RFC 5508 REQ-1 (ICMP query 60 s).

/// How long a mapping lives without traffic, in nanoseconds of the caller's monotonic clock.
public struct NATTimeouts: Sendable, Equatable {
    public static let nanosecondsPerSecond: UInt64 = 1_000_000_000

    public var udp: UInt64
    public var tcpEstablished: UInt64
    /// After a FIN or RST.
    public var tcpClosing: UInt64
    /// Before the handshake completes.
    public var tcpSynSent: UInt64
    public var icmp: UInt64

    /// Timeouts given in whole seconds; the defaults are the standard ones.
    public init(udpSeconds: UInt64 = 120, tcpEstablishedSeconds: UInt64 = 7440,
                tcpClosingSeconds: UInt64 = 240, tcpSynSentSeconds: UInt64 = 240, icmpSeconds: UInt64 = 60) {
        udp = udpSeconds * Self.nanosecondsPerSecond
        tcpEstablished = tcpEstablishedSeconds * Self.nanosecondsPerSecond
        tcpClosing = tcpClosingSeconds * Self.nanosecondsPerSecond
        tcpSynSent = tcpSynSentSeconds * Self.nanosecondsPerSecond
        icmp = icmpSeconds * Self.nanosecondsPerSecond
    }

    public static let standard = NATTimeouts()

    /// Every timeout the same, for tests that want mappings to expire quickly.
    public static func uniform(seconds: UInt64) -> NATTimeouts {
        NATTimeouts(udpSeconds: seconds, tcpEstablishedSeconds: seconds, tcpClosingSeconds: seconds,
                    tcpSynSentSeconds: seconds, icmpSeconds: seconds)
    }

    /// The timeout for a mapping of `proto` in TCP state `state`.
    func timeout(for proto: NATProtocol, state: NATTCPState) -> UInt64 {
        switch proto {
        case .udp: return udp
        case .icmp: return icmp
        case .tcp:
            switch state {
            case .synSent: return tcpSynSent
            case .established: return tcpEstablished
            case .closing: return tcpClosing
            }
        }
    }

    var all: [UInt64] { [udp, tcpEstablished, tcpClosing, tcpSynSent, icmp] }
}
