// What can go wrong with the peer store on etcd beyond etcd's own errors (EtcdError),
// each a line that says what to do.
public enum EtcdStoreError: Error, Equatable, CustomStringConvertible {
    /// A value under the prefix that is not what this tunnel writes there.
    case unreadableValue(key: String, reason: String)
    /// Every attempt met a change made meanwhile by another writer.
    case contention(attempts: Int, prefix: String)
    /// `servers/<id>` is held by a live server.
    case serverIDTaken(id: String, key: String)
    /// The config file given with --etcd holds [Peer] sections, which etcd mode ignores.
    case peersInConfig(path: String, count: Int)

    public var description: String {
        switch self {
        case let .unreadableValue(key, reason):
            return "etcd key \(key) cannot be read: \(reason)"
        case let .contention(attempts, prefix):
            return "the peers under \(prefix) in etcd kept changing during this edit (\(attempts) attempts); run it again"
        case let .serverIDTaken(id, key):
            return "a running server already registered as '\(id)' in etcd (\(key)): give this one its own --server-id"
        case let .peersInConfig(path, count):
            return "\(path) has \(count) [Peer] section\(count == 1 ? "" : "s"), which a server with --etcd does not use: move them into etcd with `tunnel peer import --from \(path) --etcd ...`, then delete them from the file"
        }
    }
}
