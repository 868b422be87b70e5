// A server's peer limits (TunnelStatusInfo.buildPeers), built on a thread of Dispatch's
// while the control queue reads the device's peers: both take milliseconds for 10,000
// peers, and the `get` answer then waits for the longer of the two, not their sum. The
// closure reads only the copies the mode took on the reactor's queue, so it may run
// anywhere; the result is handed over through the group's wait, read once.
import Dispatch
import WireGuard

final class LimitsBuild: @unchecked Sendable {
    private let done = DispatchGroup()
    /// Written once on the building thread, read after `done` is waited for.
    private var built: [Key: TunnelPeerInfo] = [:]

    init(_ build: @escaping @Sendable () -> [Key: TunnelPeerInfo]) {
        DispatchQueue.global().async(group: done) { self.built = build() }
    }

    /// The limits, once built.
    func result() -> [Key: TunnelPeerInfo] {
        done.wait()
        return built
    }
}
