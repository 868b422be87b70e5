// What the control socket needs of a PeerLifecycle, copied on the reactor's queue in
// constant time (each field is a copy-on-write value) and read on the control queue. A
// `tunnel status` of 10,000 peers used to build every peer's limits and usage on the
// reactor's queue, holding the data path for about 10 ms; now that work happens here.
import Config
import WireGuard

public struct PeerLifecycleSnapshot: Sendable {
    /// The file's peers, in file order.
    public let sections: [PeerSection]
    public let states: [Key: PeerState]
    let settings: [Key: PeerSettings]
    let usage: [Key: PeerUsage]
    let othersUsage: [Key: PeerUsage]

    public func settings(of key: Key) -> PeerSettings? { settings[key] }

    /// The peer's usage over every server: this one's and the others', settled alike.
    public func totalUsage(of key: Key, wallNow: Int64) -> PeerUsage? {
        guard let own = usage[key] else { return othersUsage[key] }
        return PeerLifecycleSnapshot.counted(own: own, others: othersUsage[key], settings: settings[key], wallNow: wallNow)
    }

    static func counted(own: PeerUsage, others: PeerUsage?, settings: PeerSettings?, wallNow: Int64) -> PeerUsage {
        guard let others else { return own }
        return PeerUsage.sum([own, others.settled(settings ?? PeerSettings(), now: wallNow)])
    }
}
