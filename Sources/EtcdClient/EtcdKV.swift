// Keys: range (one key, or every key under a prefix, at the latest or a past revision),
// put, delete, transactions and compaction.
import Foundation

public struct EtcdKV: Sendable {
    let client: EtcdClient

    /// One key; `kvs` is empty when it is absent.
    public func get(_ key: String, revision: Int64 = 0) async throws -> EtcdRangeResponse {
        try await run(.range(key: key, revision: revision))
    }

    /// Every key starting with `prefix`, in key order, all at one revision (the header's).
    public func range(prefix: String, revision: Int64 = 0, limit: Int64 = 0) async throws -> EtcdRangeResponse {
        try await run(.range(key: prefix, prefix: true, revision: revision, limit: limit))
    }

    /// The most recent change under `prefix` still there: its ModRevision (0 when the
    /// prefix is empty), and the store's revision.
    public func latestChange(prefix: String) async throws -> (modRevision: Int64, header: EtcdResponseHeader) {
        let answer: EtcdRangeResponse = try await run(.range(key: prefix, prefix: true, limit: 1, newestFirst: true,
                                                              keysOnly: true))
        return (answer.kvs.first?.modRevision ?? 0, answer.header)
    }

    @discardableResult
    public func put(_ key: String, value: Data, lease: Int64 = 0, previous: Bool = false) async throws -> EtcdPutResponse {
        try await run(.put(key: key, value: value, lease: lease, previous: previous))
    }

    @discardableResult
    public func put(_ key: String, _ value: String, lease: Int64 = 0) async throws -> EtcdPutResponse {
        try await put(key, value: Data(value.utf8), lease: lease)
    }

    @discardableResult
    public func delete(_ key: String, previous: Bool = false) async throws -> EtcdDeleteResponse {
        try await run(.delete(key: key, previous: previous))
    }

    @discardableResult
    public func delete(prefix: String, previous: Bool = false) async throws -> EtcdDeleteResponse {
        try await run(.delete(key: prefix, prefix: true, previous: previous))
    }

    public func txn(_ txn: EtcdTxn) async throws -> EtcdTxnResponse {
        try await client.call("/v3/kv/txn", txn, idempotent: txn.isReadOnly)
    }

    /// Forgets history before `revision`; a watch from before it then reports compaction.
    /// `physical` waits until the space is really freed.
    @discardableResult
    public func compact(revision: Int64, physical: Bool = true) async throws -> EtcdResponseHeader {
        let answer: HeaderOnly = try await client.call("/v3/kv/compaction",
                                                       CompactionRequest(revision: revision, physical: physical),
                                                       idempotent: true)
        return answer.header
    }

    private func run<Reply: Decodable>(_ op: EtcdOp) async throws -> Reply {
        let isRead: Bool
        if case .range = op { isRead = true } else { isRead = false }
        return try await client.call(op.path, EtcdOp.Body(op: op), idempotent: isRead)
    }

    private struct CompactionRequest: Encodable {
        let revision: Int64
        let physical: Bool

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeEtcdInt64(revision, forKey: .revision)
            try c.encode(physical, forKey: .physical)
        }

        private enum CodingKeys: String, CodingKey { case revision, physical }
    }

    struct HeaderOnly: Decodable {
        let header: EtcdResponseHeader

        private enum CodingKeys: String, CodingKey { case header }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            header = try c.decodeIfPresent(EtcdResponseHeader.self, forKey: .header) ?? EtcdResponseHeader(revision: 0)
        }
    }
}

extension EtcdClient {
    public var kv: EtcdKV { EtcdKV(client: self) }
}
