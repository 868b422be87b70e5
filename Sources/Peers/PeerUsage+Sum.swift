// Several servers count one peer's traffic, each its own share (the cluster); a peer's
// usage is the sum. Lifetime totals add up; the quota count adds up over the counts in
// the latest period any of them started (a server down since last month counts nothing
// this month); the last handshake is the latest.
extension PeerUsage {
    public static func sum(_ counts: [PeerUsage]) -> PeerUsage {
        let latest = counts.map(\.periodStart).max() ?? 0
        var total = PeerUsage(periodStart: latest)
        for count in counts {
            total.rxBytes = saturating(total.rxBytes, count.rxBytes)
            total.txBytes = saturating(total.txBytes, count.txBytes)
            if count.periodStart == latest { total.quotaBytes = saturating(total.quotaBytes, count.quotaBytes) }
            if let handshake = count.lastHandshake { total.lastHandshake = max(total.lastHandshake ?? handshake, handshake) }
        }
        return total
    }
}
