// Opens the peer store a command works on: the config file's, or etcd's when --etcd (or
// TUNNEL_ETCD) names members. The executable only hands over the options.
import EtcdClient
import EtcdStore
import Foundation
import Peers

public final class PeerStoreAccess {
    public let store: any PeerStore
    private let client: EtcdClient?

    public init(configPath: String, etcd: EtcdOptions?) throws {
        guard let etcd else {
            store = FilePeerStore(configPath: configPath)
            client = nil
            return
        }
        let client = try etcd.makeClient()
        self.client = client
        store = EtcdPeerStore(client: client, layout: EtcdKeyLayout(prefix: etcd.prefix), configPath: configPath)
    }

    /// Copies a file-based server's peers, pending invites and counts into etcd; peers
    /// already there (same public key) are left as they are, so running it twice is
    /// harmless. Returns one line per peer and a summary.
    public func importFile(_ sourcePath: String) throws -> [String] {
        guard let etcd = store as? EtcdPeerStore else {
            throw TunnelError.invalidOption("peer import copies into etcd: give --etcd ENDPOINTS (or TUNNEL_ETCD)")
        }
        let source = FilePeerStore(configPath: sourcePath)
        let contents = try source.read()
        var lines = try PeerManagement.importPeers(contents, into: etcd, now: Int64(Date().timeIntervalSince1970))
        let counted = try etcd.importUsage(try source.usage(), server: EtcdPeerStore.importedUsageServer)
        if counted > 0 { lines.append("copied the saved usage of \(counted) peer\(counted == 1 ? "" : "s")") }
        return lines
    }

    /// Ends the etcd client's connections and thread.
    public func close() {
        guard let client else { return }
        let done = DispatchSemaphore(value: 0)
        Task {
            try? await client.shutdown()
            done.signal()
        }
        done.wait()
    }
}
