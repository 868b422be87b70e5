// One key as etcd stores it, with the revisions that transactions compare against.
// Keys are UTF-8 strings here (every key this project writes is a path); values are bytes.
import Foundation

public struct EtcdKeyValue: Sendable, Equatable, Decodable {
    public var key: String
    public var value: Data
    /// The revision that created the key; unchanged by later puts until a delete.
    public var createRevision: Int64
    /// The revision of the last change; what compare-and-swap compares.
    public var modRevision: Int64
    /// Puts since creation: 0 means absent, which is how create-if-absent is written.
    public var version: Int64
    /// The lease the key is attached to, 0 for none.
    public var lease: Int64

    public init(key: String, value: Data, createRevision: Int64, modRevision: Int64, version: Int64, lease: Int64 = 0) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.version = version
        self.lease = lease
    }

    /// The value as UTF-8 text (the JSON documents the store keeps).
    public var valueString: String { String(decoding: value, as: UTF8.self) }

    private enum CodingKeys: String, CodingKey {
        case key, value, createRevision = "create_revision", modRevision = "mod_revision", version, lease
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        key = String(decoding: try c.etcdBytes(.key), as: UTF8.self)
        value = try c.etcdBytes(.value)
        createRevision = try c.etcdInt64(.createRevision)
        modRevision = try c.etcdInt64(.modRevision)
        version = try c.etcdInt64(.version)
        lease = try c.etcdInt64(.lease)
    }
}
