// Turns an edit of the peer store (what was read, what the edit made of it) into one etcd
// transaction: the guards that make it apply only to what was read, and the writes. Pure:
// no I/O, so the rules are tested without etcd.
//
//   new peer:      peers/<key>, names/<name> and addresses/<prefix> must not exist
//   changed peer:  peers/<key> still at the ModRevision read (compare-and-swap); a new
//                  name or address must not exist; one given up is deleted
//   removed peer:  the same compare-and-swap, then its name and addresses go with it
//   invites:       created only if absent; burnt (deleted) only at the ModRevision read,
//                  so two servers can never both accept one code
import Addresses
import Config
import EtcdClient
import Foundation
import Peers
import WireGuard

struct EtcdPeerChange {
    var compares: [EtcdCompare] = []
    var operations: [EtcdOp] = []

    var isEmpty: Bool { operations.isEmpty }

    init(layout: EtcdKeyLayout, before snapshot: EtcdSnapshot, after: PeerStoreContents) throws {
        let old = Dictionary(snapshot.peers.map { ($0.publicKey, $0) }, uniquingKeysWith: { first, _ in first })
        let new = Dictionary(after.peers.map { ($0.publicKey, $0) }, uniquingKeysWith: { first, _ in first })
        for section in snapshot.peers where new[section.publicKey] == nil {
            guard let revision = snapshot.peerRevisions[section.publicKey] else { continue }
            compares.append(.modRevision(layout.peer(section.publicKey), .equal, revision))
            operations.append(.delete(layout.peer(section.publicKey)))
            release(names: Self.names(section), addresses: section.allowedIPs, layout: layout)
        }
        for section in after.peers {
            let key = section.publicKey
            if let earlier = old[key] {
                guard earlier != section, let revision = snapshot.peerRevisions[key] else { continue }
                compares.append(.modRevision(layout.peer(key), .equal, revision))
                operations.append(.put(layout.peer(key), try PeerDocument.encode(section)))
                let names = (Self.names(earlier), Self.names(section))
                release(names: names.0.subtracting(names.1),
                        addresses: earlier.allowedIPs.filter { !section.allowedIPs.contains($0) }, layout: layout)
                claim(names: names.1.subtracting(names.0),
                      addresses: section.allowedIPs.filter { !earlier.allowedIPs.contains($0) }, for: key, layout: layout)
            } else {
                compares.append(.version(layout.peer(key), .equal, 0))
                operations.append(.put(layout.peer(key), try PeerDocument.encode(section)))
                claim(names: Self.names(section), addresses: section.allowedIPs, for: key, layout: layout)
            }
        }
        try invites(layout: layout, before: snapshot, after: after.invites)
    }

    private mutating func invites(layout: EtcdKeyLayout, before snapshot: EtcdSnapshot, after: [Invite]) throws {
        let new = Dictionary(after.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let old = Dictionary(snapshot.invites.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        for invite in snapshot.invites where new[invite.key] == nil {
            guard let revision = snapshot.inviteRevisions[invite.key] else { continue }
            compares.append(.modRevision(layout.invite(invite.key), .equal, revision))
            operations.append(.delete(layout.invite(invite.key)))
        }
        for invite in after where old[invite.key] != invite {
            if old[invite.key] != nil, let revision = snapshot.inviteRevisions[invite.key] {
                compares.append(.modRevision(layout.invite(invite.key), .equal, revision))
            } else {
                compares.append(.version(layout.invite(invite.key), .equal, 0))
            }
            operations.append(.put(layout.invite(invite.key), try Self.encode(invite)))
        }
    }

    private mutating func claim(names: Set<String>, addresses: [IPPrefix], for key: Key, layout: EtcdKeyLayout) {
        for name in names.sorted() {
            compares.append(.version(layout.name(name), .equal, 0))
            operations.append(.put(layout.name(name), key.base64))
        }
        for prefix in Set(addresses).sorted(by: { $0.description < $1.description }) {
            compares.append(.version(layout.address(prefix), .equal, 0))
            operations.append(.put(layout.address(prefix), key.base64))
        }
    }

    private mutating func release(names: Set<String>, addresses: [IPPrefix], layout: EtcdKeyLayout) {
        for name in names.sorted() { operations.append(.delete(layout.name(name))) }
        for prefix in Set(addresses).sorted(by: { $0.description < $1.description }) {
            operations.append(.delete(layout.address(prefix)))
        }
    }

    private static func names(_ section: PeerSection) -> Set<String> { section.name.map { [$0] } ?? [] }

    static func encode(_ invite: Invite) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(invite)
    }

    var transaction: EtcdTxn { EtcdTxn(if: compares, then: operations) }
}
