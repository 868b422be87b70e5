// The one rule every reader of a peer's usage applies (the server before counting and
// checking, `peer list` before showing): a reset requested in the config
// (PeerSettings.usageReset) that is newer than the count's period start zeroes the count
// from that time; a calendar period that is over starts a new one.
extension PeerUsage {
    public mutating func settle(_ settings: PeerSettings, now: Int64) {
        if let reset = settings.usageReset, periodStart < reset { self.reset(now: reset) }
        if let quota = settings.limits.quota { rollOver(period: quota.period, now: now) }
    }

    public func settled(_ settings: PeerSettings, now: Int64) -> PeerUsage {
        var copy = self
        copy.settle(settings, now: now)
        return copy
    }
}
