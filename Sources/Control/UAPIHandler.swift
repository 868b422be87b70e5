// What the control server asks of the tunnel. Both calls run on the reactor's queue, the
// queue that owns the tunnel's state, so the tunnel needs no locks for them.
public protocol UAPIHandler: AnyObject {
    /// The current state, for `get`.
    func snapshot() -> UAPIDeviceSnapshot
    /// Applies a whole `set` request atomically: all of it, or (when it throws) none.
    /// Throw a UAPIError to choose the errno (e.g. UAPIErrno.portInUse); any other error
    /// is answered with EIO.
    func apply(_ change: UAPIConfigurationChange) throws
}
