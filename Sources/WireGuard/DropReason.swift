// Why a packet was dropped. Every drop is counted (per device and per peer) so a person
// can tell what is wrong from `tunnel status` without reading packet captures.
public enum DropReason: Int, CaseIterable, Sendable, CustomStringConvertible {
    case malformedDatagram
    case unknownMessageType
    case invalidMAC
    case handshakeFailed
    case unknownReceiverIndex
    case replayed
    case decryptionFailed
    case expiredKeypair
    case sourceNotAllowed
    case malformedInnerPacket
    case noPeerForDestination
    case noEndpoint
    case stagingQueueFull
    case bufferTooSmall
    /// Under load, a source sent handshake messages faster than its share.
    case handshakeRateLimited
    /// Under load, the device's handshake or cookie-reply budget for this second is spent.
    case handshakeBudgetSpent
    /// More handshake messages than the device examines a second: dropped unread.
    case handshakeOverload
    /// Over the peer's rate cap (`peer set --rate`), either direction.
    case rateLimited

    public var description: String {
        switch self {
        case .malformedDatagram: return "malformed datagram"
        case .unknownMessageType: return "unknown message type"
        case .invalidMAC: return "bad MAC"
        case .handshakeFailed: return "handshake failed"
        case .unknownReceiverIndex: return "unknown receiver index"
        case .replayed: return "replay"
        case .decryptionFailed: return "decryption failed"
        case .expiredKeypair: return "expired keypair"
        case .sourceNotAllowed: return "source not in AllowedIPs"
        case .malformedInnerPacket: return "malformed inner packet"
        case .noPeerForDestination: return "no peer for destination"
        case .noEndpoint: return "peer has no endpoint"
        case .stagingQueueFull: return "queue full while waiting for handshake"
        case .bufferTooSmall: return "buffer too small"
        case .handshakeRateLimited: return "handshake rate-limited (per source, under load)"
        case .handshakeBudgetSpent: return "handshake budget spent (under load)"
        case .handshakeOverload: return "handshake dropped unread (overload)"
        case .rateLimited: return "over the peer's rate cap"
        }
    }
}

/// Counts by reason, in a fixed array so counting never allocates.
public struct DropCounters: Sendable {
    public private(set) var counts = [UInt64](repeating: 0, count: DropReason.allCases.count)

    public init() {}

    @inline(__always)
    public mutating func count(_ reason: DropReason) { counts[reason.rawValue] &+= 1 }

    public subscript(reason: DropReason) -> UInt64 { counts[reason.rawValue] }

    public var total: UInt64 { counts.reduce(0, &+) }

    /// Non-zero counts, for display.
    public var nonZero: [(DropReason, UInt64)] {
        DropReason.allCases.compactMap { counts[$0.rawValue] > 0 ? ($0, counts[$0.rawValue]) : nil }
    }
}
