// `set` requests: everything is checked and planned first (PeerChangePlan), then the
// socket changes that can fail run (and are undone if a later one fails), and only then
// the device changes, which cannot fail. So a refused request leaves the tunnel as it was.
//
// Refused on purpose (EOPNOTSUPP, "Operation not supported"): removing the private key (a
// running tunnel without one is useless, and wg-quick never asks for it); another listen
// port or fwmark when the mode gave no way to change them.
import Addresses
import Control
import WireGuard
#if canImport(Glibc)
import Glibc
#endif

extension UAPIBridge {
    static let unsupported: Int32 = EOPNOTSUPP

    /// On the control queue; the whole request is planned and applied in one step on the
    /// owner's queue, in time linear in the peers it names (plus one pass over the peer
    /// list for removals).
    public func apply(_ change: UAPIConfigurationChange) throws {
        try onOwnerQueue { try applyOnOwnerQueue(change) }
    }

    private func applyOnOwnerQueue(_ change: UAPIConfigurationChange) throws {
        let newPrivateKey = try checkedPrivateKey(change.privateKey)
        let ownPublicKey = newPrivateKey.map { StaticIdentity(privateKey: $0).publicKey } ?? device.publicKey
        let plan = try PeerChangePlan(change, device: device, ownPublicKey: ownPublicKey)
        try checkSupported(listenPort: change.listenPort, fwmark: change.fwmark)
        try applySocketChanges(listenPort: change.listenPort, fwmark: change.fwmark)
        let touched = touchedPeers(plan, newOwnKey: newPrivateKey == nil ? nil : ownPublicKey)
        let before = peerState(touched)
        if let key = newPrivateKey { device.setPrivateKey(key) }
        let time = now()
        device.removePeers(Set(plan.removals))
        for config in plan.configurations { device.setPeer(config, now: time) }
        let changes = UAPIBridge.differences(before: before, after: peerState(touched))
        if !changes.isEmpty { onPeersChanged?(changes) }
    }

    /// Every peer the plan can change: those it removes or sets, the current holders of
    /// the prefixes it hands out, and a peer with our new public key (a new private key
    /// removes it).
    private func touchedPeers(_ plan: PeerChangePlan, newOwnKey: Key?) -> Set<Key> {
        var keys = Set(plan.removals)
        for config in plan.configurations {
            keys.insert(config.publicKey)
            for prefix in config.allowedIPs {
                if let holder = device.peer(owning: prefix) { keys.insert(holder.publicKey) }
            }
        }
        if let newOwnKey { keys.insert(newOwnKey) }
        return keys
    }

    /// nil when the key stays as it is.
    private func checkedPrivateKey(_ key: UAPIKey?) throws -> Key? {
        guard let key else { return nil }
        guard !key.isZero else {
            throw UAPIError(errno: UAPIBridge.unsupported, "private_key: removing the private key of a running tunnel is not supported")
        }
        let wgKey = key.wireGuardKey
        return wgKey == device.identity.privateKey ? nil : wgKey
    }

    private func checkSupported(listenPort: UInt16?, fwmark: UInt32?) throws {
        if let port = listenPort, port != self.listenPort(), changeListenPort == nil {
            throw UAPIError(errno: UAPIBridge.unsupported,
                            "listen_port: this tunnel cannot move to another port while running (restart it with the new port)")
        }
        if let mark = fwmark, mark != self.fwmark, changeFwmark == nil {
            throw UAPIError(errno: UAPIBridge.unsupported, "fwmark: this tunnel's socket mark cannot change while it runs")
        }
    }

    /// Listen port first, then the mark; a failing mark puts the old port back.
    private func applySocketChanges(listenPort: UInt16?, fwmark: UInt32?) throws {
        let oldPort = self.listenPort()
        var movedPort = false
        if let port = listenPort, port != oldPort, let change = changeListenPort {
            do { _ = try change(port) } catch { throw UAPIBridge.socketError(error, "listen_port") }
            movedPort = true
        }
        if let mark = fwmark, mark != self.fwmark, let change = changeFwmark {
            do {
                try change(mark)
                self.fwmark = mark
            } catch {
                if movedPort { _ = try? changeListenPort?(oldPort) }
                throw UAPIBridge.socketError(error, "fwmark")
            }
        }
    }

    private static func socketError(_ error: Error, _ key: String) -> UAPIError {
        if let e = error as? UAPIError { return e }
        return UAPIError(errno: UAPIErrno.ioError, "\(key): \(error)")
    }

    private func peerState(_ keys: Set<Key>) -> [Key: (id: UInt32, allowedIPs: [IPPrefix])] {
        Dictionary(uniqueKeysWithValues: keys.compactMap(device.peer(for:)).map { ($0.publicKey, ($0.id, device.allowedIPs(of: $0))) })
    }

    /// Peers added, removed, or whose AllowedIPs changed (a prefix moving to another peer
    /// changes both), in a stable order.
    static func differences(before: [Key: (id: UInt32, allowedIPs: [IPPrefix])],
                            after: [Key: (id: UInt32, allowedIPs: [IPPrefix])]) -> [PeerChange] {
        var out: [PeerChange] = []
        for (key, old) in before {
            guard let new = after[key] else {
                out.append(PeerChange(publicKey: key, id: old.id, allowedIPsBefore: old.allowedIPs, allowedIPsAfter: nil))
                continue
            }
            if new.id != old.id || new.allowedIPs != old.allowedIPs {
                out.append(PeerChange(publicKey: key, id: new.id, allowedIPsBefore: old.allowedIPs, allowedIPsAfter: new.allowedIPs))
            }
        }
        for (key, new) in after where before[key] == nil {
            out.append(PeerChange(publicKey: key, id: new.id, allowedIPsBefore: nil, allowedIPsAfter: new.allowedIPs))
        }
        return out.sorted { $0.id < $1.id }
    }
}
