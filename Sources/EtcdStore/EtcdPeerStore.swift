// The peer store on etcd v3: what `tunnel peer ...` with --etcd reads and edits, and what
// a server with --etcd burns invites through. Each edit reads the peers and invites at one
// revision, lets PeerManagement change them, and writes the difference in one
// transaction guarded by what it read (EtcdPeerChange); when another writer got there
// first the guard fails, nothing is written, and the edit runs again on the new contents,
// as Calico's and Flannel's writers do. Two `peer add` at once thus get two addresses,
// and an invite raced on two servers is accepted once.
//
// The [Interface] comes from the local config file; the private key never goes into etcd.
import Config
import EtcdClient
import Foundation
import Peers
import WireGuard

public final class EtcdPeerStore: PeerStore, @unchecked Sendable {
    /// Attempts of one edit under contention; each waits a little longer, with jitter.
    static let maximumAttempts = 40
    static let firstBackoffMilliseconds = 5
    static let maximumBackoffMilliseconds = 200

    public let client: EtcdClient
    public let layout: EtcdKeyLayout
    public let configPath: String

    public init(client: EtcdClient, layout: EtcdKeyLayout, configPath: String) {
        self.client = client
        self.layout = layout
        self.configPath = configPath
    }

    public var location: String { "etcd (\(client.endpointNames.joined(separator: ","))) under \(layout.prefix)" }

    public func read() throws -> PeerStoreContents {
        let snapshot = try BlockingCall.run { [self] in try await readSnapshot() }
        return PeerStoreContents(config: try interfaceConfig(peers: snapshot.peers), invites: snapshot.invites)
    }

    public func update<T>(_ change: (inout PeerStoreContents) throws -> T) throws -> T {
        let local = try ServerConfigFile.load(path: configPath)
        for attempt in 1...Self.maximumAttempts {
            let snapshot = try BlockingCall.run { [self] in try await readSnapshot() }
            var config = local
            config.peers = snapshot.peers
            var contents = PeerStoreContents(config: config, invites: snapshot.invites)
            let result = try change(&contents)
            let edit = try EtcdPeerChange(layout: layout, before: snapshot, after: contents)
            if edit.isEmpty { return result }
            let txn = edit.transaction
            let answer = try BlockingCall.run { [client] in try await client.kv.txn(txn) }
            if answer.succeeded { return result }
            let ceiling = min(Self.maximumBackoffMilliseconds, Self.firstBackoffMilliseconds << min(attempt, 6))
            usleep(UInt32(Int.random(in: ceiling / 2...ceiling) * 1000))
        }
        throw EtcdStoreError.contention(attempts: Self.maximumAttempts, prefix: layout.prefix)
    }

    public func usage() throws -> [Key: PeerUsage] {
        let answer = try BlockingCall.run { [client, layout] in try await client.kv.range(prefix: layout.usage) }
        return try UsageSum.total(answer.kvs, layout: layout)
    }

    /// The server name `peer import` files a file-based server's counts under.
    public static let importedUsageServer = "imported"

    /// Puts `usage` under `usage/<server>/`, each only where there is no count yet (a
    /// second import changes nothing); returns how many were written.
    public func importUsage(_ usage: [Key: PeerUsage], server: String) throws -> Int {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var written = 0
        for (key, count) in usage.sorted(by: { $0.key.base64 < $1.key.base64 }) {
            let name = layout.usage(server: server, peer: key)
            let txn = EtcdTxn(if: [.version(name, .equal, 0)], then: [.put(name, try encoder.encode(count))])
            if try BlockingCall.run({ [client] in try await client.kv.txn(txn) }).succeeded { written += 1 }
        }
        return written
    }

    /// The peers and invites at one revision: the second read is pinned to the first's.
    func readSnapshot() async throws -> EtcdSnapshot {
        let peers = try await client.kv.range(prefix: layout.peers)
        let invites = try await client.kv.range(prefix: layout.invites, revision: peers.header.revision)
        return try EtcdSnapshot(peers: peers.kvs, invites: invites.kvs)
    }

    private func interfaceConfig(peers: [PeerSection]) throws -> WireGuardConfig {
        var config = try ServerConfigFile.load(path: configPath)
        config.peers = peers
        return config
    }
}
