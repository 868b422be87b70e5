// A second server on what a running one holds breaks the first: the same config file
// (both rewrite it), the same UDP address, or, in one network namespace, the NAT's
// routing table and the local rule both move. It is refused before anything changes,
// naming the running server. The state files of live servers say what they hold.
import Foundation

public enum RunningServerConflict {
    /// Throws `serverAlreadyRunning` when a live server holds the config file (in any
    /// namespace: the file is shared), or in this namespace the listen address or, for
    /// NAT, the NAT table.
    public static func check(_ identity: ServerRunIdentity, usesNATTable: Bool, stateDirectory: StateDirectory,
                             isAlive: (RunOwner) -> Bool = { $0.isAlive }) throws {
        let namespace = RunOwner.currentNetworkNamespace(), cookie = RunOwner.currentNetworkNamespaceCookie()
        for directory in try stateDirectory.allNamespaces() {
            for name in directory.recordedInterfaces() {
                guard let state = try? directory.load(for: name), let owner = state.owner,
                      owner.protocolID == TunnelRouteProtocol.server, isAlive(owner) else { continue }
                if let other = state.server, other.configPath == identity.configPath {
                    throw NetworkSetupError.serverAlreadyRunning(pid: owner.pid, interface: name, holds: "the config file \(identity.configPath)",
                                                                 fix: "stop it, or give this one another --config")
                }
                guard owner.isIn(namespace: namespace, cookie: cookie) else { continue }
                if let other = state.server, ServerRunIdentity.listenAddressesCollide(other.listen, identity.listen) {
                    throw NetworkSetupError.serverAlreadyRunning(pid: owner.pid, interface: name, holds: "the listen address \(other.listen)",
                                                                 fix: "stop it, or give this one another --listen port")
                }
                if usesNATTable && state.tables.contains(NetworkPlan.serverNATTable) {
                    throw NetworkSetupError.serverAlreadyRunning(
                        pid: owner.pid, interface: name, holds: "routing table \(NetworkPlan.serverNATTable) for its NAT",
                        fix: "one NAT server per network namespace: stop it, or run this one with --nat off")
                }
            }
        }
    }
}
