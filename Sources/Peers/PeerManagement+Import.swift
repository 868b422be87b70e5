// `tunnel peer import`: a file-based server's peers and pending invites copied into
// another store (etcd) in one atomic step. A peer whose key is already there is left as
// it is; a name or address already taken by another key stops the import with nothing
// written, so it is safe to run again.
import Addresses
import Config
import Foundation

extension PeerManagement {
    public static func importPeers(_ source: PeerStoreContents, into store: any PeerStore, now: Int64) throws -> [String] {
        try store.update { contents in
            var lines: [String] = []
            for peer in source.peers {
                let label = peer.name ?? peer.publicKey.base64
                if contents.peers.contains(where: { $0.publicKey == peer.publicKey }) {
                    lines.append("'\(label)': already there, left as it is")
                    continue
                }
                if let name = peer.name, contents.peers.contains(where: { $0.name == name }) {
                    throw PeerManagementError.nameTaken(name)
                }
                if let clash = peer.allowedIPs.first(where: { prefix in
                    contents.peers.contains { $0.allowedIPs.contains(where: { overlap($0, prefix) }) }
                }) {
                    throw PeerManagementError.invalidOption(option: "peer import", value: label,
                                                            reason: "\(clash) is already another peer's")
                }
                contents.peers.append(peer)
                lines.append("'\(label)': imported (\(peer.allowedIPs.map(\.description).joined(separator: ", ")))")
            }
            for invite in source.invites where !invite.hasExpired(at: now) {
                if contents.invites.contains(where: { $0.key == invite.key }) { continue }
                guard !contents.peers.contains(where: { $0.name == invite.name }),
                      !contents.invites.contains(where: { $0.name == invite.name }) else {
                    throw PeerManagementError.nameTaken(invite.name)
                }
                contents.invites.append(invite)
                lines.append("invite for '\(invite.name)': imported")
            }
            return lines
        }
    }

    private static func overlap(_ a: IPPrefix, _ b: IPPrefix) -> Bool {
        a.contains(b.network.address) || b.contains(a.network.address)
    }
}
