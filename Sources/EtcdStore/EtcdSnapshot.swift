// The peers and invites as one range read found them, with each key's ModRevision: what
// an edit compares against so that its transaction applies only to what it read.
import Config
import EtcdClient
import Foundation
import Peers
import WireGuard

struct EtcdSnapshot {
    var peers: [PeerSection]
    var peerRevisions: [Key: Int64]
    var invites: [Invite]
    var inviteRevisions: [String: Int64]

    /// From the keys under `peers/` and `invites/` (one read at one revision), in the
    /// order they were created, so listings keep the order peers were added in.
    init(peers: [EtcdKeyValue], invites: [EtcdKeyValue]) throws {
        self.peers = []
        peerRevisions = [:]
        self.invites = []
        inviteRevisions = [:]
        // Peers made in one transaction (an import) share a revision: their keys order them.
        for kv in peers.sorted(by: { ($0.createRevision, $0.key) < ($1.createRevision, $1.key) }) {
            let section: PeerSection
            do { section = try PeerDocument.decode(kv.value) } catch let error as EtcdStoreError { throw error } catch {
                throw EtcdStoreError.unreadableValue(key: kv.key, reason: "\(error)")
            }
            self.peers.append(section)
            peerRevisions[section.publicKey] = kv.modRevision
        }
        for kv in invites.sorted(by: { $0.createRevision < $1.createRevision }) {
            let invite: Invite
            do { invite = try JSONDecoder().decode(Invite.self, from: kv.value) } catch {
                throw EtcdStoreError.unreadableValue(key: kv.key, reason: "\(error)")
            }
            self.invites.append(invite)
            inviteRevisions[invite.key] = kv.modRevision
        }
    }
}
