// The peers with at least one timer armed. The tick polls only these, so a server's idle
// peers (no session, no handshake, no keepalive) cost nothing every 100 ms; before, the
// tick walked all of them. A peer joins when one of its timers is armed (Peer.timers'
// observer) and leaves on the first tick that finds none armed, or when it is removed.
// Owned by the device's queue, like the peers.
final class ArmedTimers {
    private(set) var peers: [Peer] = []

    var count: Int { peers.count }

    func arm(_ peer: Peer) {
        guard peer.timerSlot == nil else { return }
        peer.timerSlot = peers.count
        peers.append(peer)
    }

    func disarm(_ peer: Peer) {
        guard let slot = peer.timerSlot else { return }
        let last = peers.removeLast()
        if slot < peers.count {
            peers[slot] = last
            last.timerSlot = slot
        }
        peer.timerSlot = nil
    }

    /// Polls every armed peer once and hands its due actions to `perform`; peers left with
    /// nothing armed leave the list. A peer armed during the walk is polled in it too.
    func poll(now: UInt64, _ perform: (Peer, TimerActions) -> Void) {
        var i = 0
        while i < peers.count {
            let peer = peers[i]
            let actions = peer.timers.poll(now: now)
            if !actions.isEmpty { perform(peer, actions) }
            if peer.timers.nextDeadline == nil, peer.timerSlot == i {
                disarm(peer)   // the last peer moved into slot i: poll it next
            } else {
                i += 1
            }
        }
    }
}
