// One peer of a `get` snapshot as status values: keys in base64, "never" for a zero
// handshake time, counters by their StatusCounterName.
import Control

extension PeerStatus {
    public init(snapshot p: UAPIPeerSnapshot) {
        self.init(publicKey: p.publicKey.wireGuardKey.base64, name: p.name, hasPresharedKey: p.presharedKey != nil,
                  endpoint: p.endpoint, allowedIPs: p.allowedIPs,
                  latestHandshake: p.lastHandshakeTimeSec == 0 && p.lastHandshakeTimeNsec == 0 ? nil : p.lastHandshakeTimeSec,
                  rxBytes: p.rxBytes, txBytes: p.txBytes, persistentKeepalive: p.persistentKeepaliveInterval)
        state = p.state
        var counts: [String: UInt64] = [:]
        for c in p.counters {
            if let suffix = c.name.suffix(after: StatusCounterName.dropPrefix) {
                drops.append(DropCount(reason: suffix, label: StatusCounterName.dropLabel(suffix), count: c.value))
            } else {
                counts[c.name] = c.value
            }
        }
        usageBytes = counts[StatusCounterName.usageBytes]
        quotaBytes = counts[StatusCounterName.quotaBytes]
        rateBits = counts[StatusCounterName.rateBits]
        expires = counts[StatusCounterName.expires].map { Int64(clamping: $0) }
        if let sent = counts[StatusCounterName.handshakesSent], let received = counts[StatusCounterName.handshakesReceived],
           let failed = counts[StatusCounterName.handshakesFailed] {
            handshakes = HandshakeCounts(sent: sent, received: received, failed: failed)
        }
    }
}
