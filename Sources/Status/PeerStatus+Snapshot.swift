// One peer of a `get` snapshot as status values: keys in base64, "never" for a zero
// handshake time, counters by their StatusCounterName.
import Control

extension PeerStatus {
    public init(snapshot p: UAPIPeerSnapshot) {
        var meanings = PeerCounterMeanings()
        self.init(snapshot: p, meanings: &meanings)
    }

    /// `meanings` is shared by the peers of one snapshot, so each counter name is worked out once.
    init(snapshot p: UAPIPeerSnapshot, meanings: inout PeerCounterMeanings) {
        self.init(publicKey: p.publicKey.base64, name: p.name, hasPresharedKey: p.presharedKey != nil,
                  endpoint: p.endpoint, allowedIPs: p.allowedIPs,
                  latestHandshake: p.lastHandshakeTimeSec == 0 && p.lastHandshakeTimeNsec == 0 ? nil : p.lastHandshakeTimeSec,
                  rxBytes: p.rxBytes, txBytes: p.txBytes, persistentKeepalive: p.persistentKeepaliveInterval)
        state = p.state
        // The last of a name counts, as it would in a dictionary by name.
        var sent: UInt64?, received: UInt64?, failed: UInt64?
        var named: [(drop: DropCount, known: Int?)] = []
        for (position, c) in p.counters.enumerated() {
            switch meanings.meaning(of: c.name, position: position) {
            case .drop(let reason, let label, let known): named.append((DropCount(reason: reason, label: label, count: c.value), known))
            case .usageBytes: usageBytes = c.value
            case .quotaBytes: quotaBytes = c.value
            case .rateBits: rateBits = c.value
            case .expires: expires = Int64(clamping: c.value)
            case .handshakesSent: sent = c.value
            case .handshakesReceived: received = c.value
            case .handshakesFailed: failed = c.value
            case .other: break
            }
        }
        if let sent, let received, let failed {
            handshakes = HandshakeCounts(sent: sent, received: received, failed: failed)
            drops = Self.everyDrop(named)
        } else {
            drops = named.map(\.drop)
        }
    }

    /// A counted peer's drops (a server names only the reasons above zero): every reason
    /// this version knows, in order, then those it does not, as they came. A peer without
    /// handshake counters is not counted at all (kept off the device), so it gets none.
    private static func everyDrop(_ named: [(drop: DropCount, known: Int?)]) -> [DropCount] {
        var drops = PeerCounterMeanings.everyDrop
        for (drop, known) in named {
            if let known { drops[known].count = drop.count } else { drops.append(drop) }
        }
        return drops
    }
}
