// One operation on keys: what range, put and delete send on their own, and what a
// transaction runs in its success or failure branch.
import Foundation

public enum EtcdOp: Sendable, Equatable {
    /// `revision` 0 reads the latest; `limit` 0 returns every key; `newestFirst` sorts by
    /// ModRevision, descending (with limit 1 and `keysOnly`: the prefix's latest change).
    case range(key: String, prefix: Bool = false, revision: Int64 = 0, limit: Int64 = 0, newestFirst: Bool = false,
               keysOnly: Bool = false)
    /// `lease` 0 attaches none; `previous` returns the value it replaced.
    case put(key: String, value: Data, lease: Int64 = 0, previous: Bool = false)
    case delete(key: String, prefix: Bool = false, previous: Bool = false)

    public static func get(_ key: String) -> EtcdOp { .range(key: key) }
    public static func put(_ key: String, _ value: Data, lease: Int64 = 0) -> EtcdOp {
        .put(key: key, value: value, lease: lease)
    }
    public static func put(_ key: String, _ value: String, lease: Int64 = 0) -> EtcdOp {
        .put(key: key, value: Data(value.utf8), lease: lease)
    }
    public static func delete(_ key: String) -> EtcdOp { .delete(key: key) }

    /// The gateway path that runs this operation on its own.
    var path: String {
        switch self {
        case .range: "/v3/kv/range"
        case .put: "/v3/kv/put"
        case .delete: "/v3/kv/deleterange"
        }
    }

    /// The field naming this operation inside a transaction's RequestOp.
    var requestField: String {
        switch self {
        case .range: "request_range"
        case .put: "request_put"
        case .delete: "request_delete_range"
        }
    }

    /// The request message itself (RangeRequest, PutRequest, DeleteRangeRequest).
    struct Body: Encodable {
        let op: EtcdOp

        private enum CodingKeys: String, CodingKey {
            case key, rangeEnd = "range_end", revision, limit, value, lease, prevKV = "prev_kv"
            case sortOrder = "sort_order", sortTarget = "sort_target", keysOnly = "keys_only"
        }
        /// etcd's RangeRequest enums, by name as the gateway takes them.
        static let descending = "DESCEND", byModRevision = "MOD"

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            func encodeKey(_ key: String, prefix: Bool) throws {
                try c.encode(Data(key.utf8), forKey: .key)
                if prefix { try c.encode(Data(EtcdJSON.prefixEnd(Array(key.utf8))), forKey: .rangeEnd) }
            }
            switch op {
            case let .range(key, prefix, revision, limit, newestFirst, keysOnly):
                try encodeKey(key, prefix: prefix)
                if revision != 0 { try c.encodeEtcdInt64(revision, forKey: .revision) }
                if limit != 0 { try c.encodeEtcdInt64(limit, forKey: .limit) }
                if newestFirst {
                    try c.encode(Self.descending, forKey: .sortOrder)
                    try c.encode(Self.byModRevision, forKey: .sortTarget)
                }
                if keysOnly { try c.encode(true, forKey: .keysOnly) }
            case let .put(key, value, lease, previous):
                try encodeKey(key, prefix: false)
                try c.encode(value, forKey: .value)
                if lease != 0 { try c.encodeEtcdInt64(lease, forKey: .lease) }
                if previous { try c.encode(true, forKey: .prevKV) }
            case let .delete(key, prefix, previous):
                try encodeKey(key, prefix: prefix)
                if previous { try c.encode(true, forKey: .prevKV) }
            }
        }
    }
}

extension EtcdOp: Encodable {
    /// As a transaction's RequestOp: the request wrapped in the field naming its kind.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: DynamicKey.self)
        try c.encode(Body(op: self), forKey: DynamicKey(requestField))
    }

    struct DynamicKey: CodingKey {
        let stringValue: String
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }
}
