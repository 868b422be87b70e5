// What the control server asks of the tunnel. Every call comes on the control server's own
// queue, never on the queue that owns the tunnel's state: the handler hops onto that
// queue itself (Reactor.perform) for as short a step as it can, e.g. copying the peers'
// values for `get` and leaving the answer's formatting to the control queue, so a `get`
// on thousands of peers does not hold the data path.
public protocol UAPIHandler: AnyObject {
    /// The current state, for `get=tunnel`.
    func snapshot() -> UAPIDeviceSnapshot
    /// The state plain WireGuard reports, for `get=1` (`wg show`): the answer leaves out the
    /// tunnel's info and the peers' names, states and counters, so a handler may skip
    /// building them; the default is `snapshot()`.
    func plainSnapshot() -> UAPIDeviceSnapshot
    /// The state without private or preshared keys, for `get=public` (metrics). A handler
    /// that can, builds it without reading them at all; the default strips them.
    func publicSnapshot() -> UAPIDeviceSnapshot
    /// Applies a whole `set` request atomically: all of it, or (when it throws) none.
    /// Throw a UAPIError to choose the errno (e.g. UAPIErrno.portInUse); any other error
    /// is answered with EIO.
    func apply(_ change: UAPIConfigurationChange) throws
}

extension UAPIHandler {
    public func plainSnapshot() -> UAPIDeviceSnapshot { snapshot() }

    public func publicSnapshot() -> UAPIDeviceSnapshot {
        var s = snapshot()
        s.privateKey = nil
        for i in s.peers.indices { s.peers[i].presharedKey = nil }
        return s
    }
}
