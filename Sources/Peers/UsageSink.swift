// Where a running server's counts go every few seconds (UsageRecorder): the usage file
// beside the config (UsageStore), or its own keys in etcd (EtcdUsageSink).
import WireGuard

public protocol UsageSink: AnyObject {
    /// For messages: the file's path, or the etcd keys.
    var location: String { get }
    /// Stores every peer's count; called on the recorder's queue, one call at a time.
    func save(_ usage: [Key: PeerUsage]) throws
}
