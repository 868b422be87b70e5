// The passing of time: each peer's timer rules (PeerTimers) turned into actions.
extension WireGuardDevice {
    /// Runs every peer's due timers. Call it often: every 100 ms is plenty (the finest
    /// rule is 333 ms of retransmit jitter). Costs the peers with a timer armed, not all.
    public func tick(now: UInt64) {
        completeCipherWork()
        collectRateLimiterGarbage(now: now)
        armedTimers.poll(now: now) { peer, actions in perform(actions, for: peer, now: now) }
    }

    /// Peers the tick polls (for tests and status).
    public var peersWithTimersArmed: Int { armedTimers.count }

    private func perform(_ actions: TimerActions, for peer: Peer, now: UInt64) {
        if actions.contains(.zeroKeyMaterial) {
            retireAllKeys(of: peer)
            output.record(.keysZeroed(peer: peer.displayName))
        }
        if actions.contains(.giveUpHandshake) {
            peer.staged.removeAll()
            clearHandshake(of: peer)
            output.record(.handshakeGaveUp(peer: peer.displayName))
        }
        if actions.contains(.retransmitHandshake) {
            sendInitiation(to: peer, now: now, isRetry: true)
        }
        if actions.contains(.newHandshake) {
            requestHandshake(with: peer, now: now)
        }
        if actions.contains(.sendKeepalive) || actions.contains(.sendPersistentKeepalive) {
            sendKeepalive(to: peer, now: now)
        }
    }
}
