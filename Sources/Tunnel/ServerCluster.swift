// A server's place in a cluster (`tunnel server --etcd`): its peers come from etcd and
// follow it (EtcdPeerSync), its counts go there (EtcdUsageSink), and the config file
// keeps only its [Interface]. Joining happens before the first change to the system, so
// an etcd that does not answer refuses the start with its one-line reason.
import Config
import EtcdClient
import EtcdStore
import Foundation
import Logging
import Peers

struct ServerCluster {
    let sync: EtcdPeerSync
    let start: EtcdPeerSync.Start
    let usageSink: EtcdUsageSink

    static func join(_ etcd: EtcdOptions, config: WireGuardConfig, options: ServerOptions, logger: Logger) throws -> ServerCluster {
        guard config.peers.isEmpty else {
            throw EtcdStoreError.peersInConfig(path: options.configPath, count: config.peers.count)
        }
        let id = try options.serverID ?? hostName()
        try validate(id)
        let client = try etcd.makeClient()
        let store = EtcdPeerStore(client: client, layout: EtcdKeyLayout(prefix: etcd.prefix), configPath: options.configPath)
        let sync = EtcdPeerSync(store: store, serverID: id, interface: config, listen: options.listen.description,
                                version: TunnelVersion.string, logger: logger)
        let start = try sync.start()
        let sink = EtcdUsageSink(client: client, layout: store.layout, serverID: id, saved: start.ownUsage)
        return ServerCluster(sync: sync, start: start, usageSink: sink)
    }

    /// A server id is one path segment of plain characters.
    static func validate(_ id: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        guard !id.isEmpty, id.count <= 64, id.allSatisfy(allowed.contains), id != ".", id != ".." else {
            throw TunnelError.invalidOption("--server-id '\(id)': use 1-64 letters, digits, '-', '_' or '.'")
        }
    }

    static func hostName() throws -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else {
            throw TunnelError.invalidOption("cannot read the host name: give --server-id NAME")
        }
        return String(cString: buffer)
    }
}
