// Usage for quotas is counted by each server for the peers it serves, under
// `usage/<server>/<peer>`; a peer's usage is the sum over servers (PeerUsage.sum).
import EtcdClient
import Foundation
import Peers
import WireGuard

public enum UsageSum {
    public static func total(_ kvs: [EtcdKeyValue], layout: EtcdKeyLayout,
                             excludingServer: String? = nil) throws -> [Key: PeerUsage] {
        var byPeer: [Key: [PeerUsage]] = [:]
        for kv in kvs {
            guard let parts = layout.usageParts(kv.key), parts.server != excludingServer else { continue }
            let usage: PeerUsage
            do { usage = try JSONDecoder().decode(PeerUsage.self, from: kv.value) } catch {
                throw EtcdStoreError.unreadableValue(key: kv.key, reason: "\(error)")
            }
            guard let key = EtcdKeyLayout.key(named: parts.peer) else {
                throw EtcdStoreError.unreadableValue(key: kv.key, reason: "not a public key")
            }
            byPeer[key, default: []].append(usage)
        }
        return byPeer.mapValues(PeerUsage.sum)
    }
}
