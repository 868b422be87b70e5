// A server's own counts in etcd, under `usage/<server>/<peer>`: only counts that changed
// since the last save are written, in transactions of at most `operationsPerTxn` puts
// (etcd refuses bigger ones by default). The keys carry no lease: counts outlive the
// server that made them, as the usage file does; liveness is `servers/<id>`'s business.
import EtcdClient
import Foundation
import Peers
import WireGuard

public final class EtcdUsageSink: UsageSink, @unchecked Sendable {
    /// Below etcd's default --max-txn-ops (128).
    static let operationsPerTxn = 100

    let client: EtcdClient
    let layout: EtcdKeyLayout
    let serverID: String
    /// What etcd holds for this server; owned by the recorder's queue, the only caller.
    private var saved: [Key: PeerUsage]

    public init(client: EtcdClient, layout: EtcdKeyLayout, serverID: String, saved: [Key: PeerUsage]) {
        self.client = client
        self.layout = layout
        self.serverID = serverID
        self.saved = saved
    }

    public var location: String { "etcd \(layout.usage(server: serverID))" }

    public func save(_ usage: [Key: PeerUsage]) throws {
        let changed = usage.filter { saved[$0.key] != $0.value }.sorted { $0.key.base64 < $1.key.base64 }
        guard !changed.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var start = 0
        while start < changed.count {
            let batch = changed[start..<min(start + Self.operationsPerTxn, changed.count)]
            let operations = try batch.map { EtcdOp.put(layout.usage(server: serverID, peer: $0.key), try encoder.encode($0.value)) }
            let txn = EtcdTxn(then: operations)
            _ = try BlockingCall.run { [client] in try await client.kv.txn(txn) }
            for (key, value) in batch { saved[key] = value }
            start += Self.operationsPerTxn
        }
    }

    /// This server's counts as etcd holds them, to carry on from at start.
    public static func load(client: EtcdClient, layout: EtcdKeyLayout, serverID: String) throws -> [Key: PeerUsage] {
        let answer = try BlockingCall.run { try await client.kv.range(prefix: layout.usage(server: serverID)) }
        var out: [Key: PeerUsage] = [:]
        for kv in answer.kvs {
            guard let parts = layout.usageParts(kv.key), let key = EtcdKeyLayout.key(named: parts.peer),
                  let usage = try? JSONDecoder().decode(PeerUsage.self, from: kv.value) else {
                throw EtcdStoreError.unreadableValue(key: kv.key, reason: "not a usage count")
            }
            out[key] = usage
        }
        return out
    }
}
