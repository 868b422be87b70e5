// What each of a peer's counters means to PeerStatus (a drop, the usage, a handshake
// count, ...), worked out once per name. Every peer of an answer carries the same names
// in the same order, so the meaning at a position is reused while the name there is the
// same String (the parser shares one String per name, so the check is an identity
// compare); for 10,000 peers, 290,000 prefix checks, suffix Strings and drop-label
// searches become a few dozen.
import WireGuard

struct PeerCounterMeanings {
    enum Meaning {
        /// A drop counter: its reason and label, made once and shared by every peer, and
        /// its place in `everyDrop` when this version knows the reason.
        case drop(reason: String, label: String, known: Int?)
        case usageBytes, quotaBytes, rateBits, expires
        case handshakesSent, handshakesReceived, handshakesFailed
        /// A name this version does not show per peer.
        case other
    }

    /// Every drop reason this version knows, at zero, in the order a server writes them:
    /// a peer's drops start from this (one shared array), since a server leaves out the
    /// reasons at zero.
    static let everyDrop = DropReason.allCases.map { DropCount(reason: $0.counterSuffix, label: $0.description, count: 0) }

    private var byPosition: [(name: String, meaning: Meaning)] = []

    /// The meaning of `name`, the `position`-th counter of its peer.
    mutating func meaning(of name: String, position: Int) -> Meaning {
        if position < byPosition.count, byPosition[position].name == name { return byPosition[position].meaning }
        let meaning = PeerCounterMeanings.meaning(of: name)
        if position < byPosition.count {
            byPosition[position] = (name, meaning)
        } else if position == byPosition.count {
            byPosition.append((name, meaning))
        }
        return meaning
    }

    static func meaning(of name: String) -> Meaning {
        typealias N = StatusCounterName
        if let suffix = name.suffix(after: N.dropPrefix) {
            return .drop(reason: suffix, label: N.dropLabel(suffix), known: everyDrop.firstIndex { $0.reason == suffix })
        }
        switch name {
        case N.usageBytes: return .usageBytes
        case N.quotaBytes: return .quotaBytes
        case N.rateBits: return .rateBits
        case N.expires: return .expires
        case N.handshakesSent: return .handshakesSent
        case N.handshakesReceived: return .handshakesReceived
        case N.handshakesFailed: return .handshakesFailed
        default: return .other
        }
    }
}
