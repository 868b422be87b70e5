// What a watch delivers. Puts and deletes arrive in revision order; compaction and
// cancellation end the watch and tell the watcher to list again before watching anew.
import Foundation

public enum EtcdWatchEvent: Sendable, Equatable {
    /// A put; `kv.modRevision` is its revision. `previous` only when asked for.
    case put(EtcdKeyValue, previous: EtcdKeyValue?)
    /// A delete (or a lease's expiry); `kv` holds the key and, as modRevision, the
    /// revision of the delete.
    case delete(EtcdKeyValue, previous: EtcdKeyValue?)
    /// The start revision is older than the oldest etcd keeps (`compactRevision`): the
    /// changes in between are lost, so list again and watch from that list's revision + 1.
    case compacted(compactRevision: Int64)
    /// etcd ended the watch for another reason (such as permissions).
    case canceled(reason: String)

    /// The revision of a put or delete.
    public var revision: Int64? {
        switch self {
        case .put(let kv, _), .delete(let kv, _): kv.modRevision
        case .compacted, .canceled: nil
        }
    }
}
