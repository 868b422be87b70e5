// The passing of time: each peer's timer rules (PeerTimers) turned into actions.
extension WireGuardDevice {
    /// Runs every peer's due timers. Call it often: every 100 ms is plenty (the finest
    /// rule is 333 ms of retransmit jitter).
    public func tick(now: UInt64) {
        completeCipherWork()
        collectRateLimiterGarbage(now: now)
        for peer in peers {
            let actions = peer.timers.poll(now: now)
            guard !actions.isEmpty else { continue }
            perform(actions, for: peer, now: now)
        }
    }

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
