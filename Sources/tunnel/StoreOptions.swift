// Where a `tunnel peer` command finds the peers: the server's config file, and with
// --etcd (or TUNNEL_ETCD...) the etcd cluster that holds them.
import ArgumentParser
import Peers
import Tunnel

struct StoreOptions: ParsableArguments {
    @Option(help: "The server's config file (with --etcd: its [Interface], for the key and subnets).")
    var config: String = ServerConfigFile.defaultPath

    @OptionGroup var etcd: EtcdArguments

    /// Runs `body` on the store and closes it after.
    func withStore<T>(_ body: (any PeerStore) throws -> T) throws -> T {
        let access = try PeerStoreAccess(configPath: config, etcd: etcd.resolved())
        defer { access.close() }
        return try body(access.store)
    }
}

struct EtcdArguments: ParsableArguments {
    @Option(help: ArgumentHelp("Keep the peers in etcd: its members' client URLs, comma-separated (env TUNNEL_ETCD).",
                               valueName: "urls"))
    var etcd: String?

    @Option(name: .customLong("etcd-prefix"),
            help: ArgumentHelp("The key prefix in etcd (default /tunnel/; env TUNNEL_ETCD_PREFIX).", valueName: "prefix"))
    var prefix: String?

    @Option(name: .customLong("etcd-cacert"),
            help: ArgumentHelp("CA certificate (PEM) the members' certificates are checked against (env TUNNEL_ETCD_CACERT).",
                               valueName: "file"))
    var caFile: String?

    @Option(name: .customLong("etcd-cert"),
            help: ArgumentHelp("Client certificate (PEM) for members that require one (env TUNNEL_ETCD_CERT).",
                               valueName: "file"))
    var certificateFile: String?

    @Option(name: .customLong("etcd-key"),
            help: ArgumentHelp("The client certificate's private key (PEM, mode 0600; env TUNNEL_ETCD_KEY).",
                               valueName: "file"))
    var keyFile: String?

    func resolved() -> EtcdOptions? {
        EtcdOptions.resolve(endpoints: etcd, prefix: prefix, caFile: caFile, certificateFile: certificateFile,
                            keyFile: keyFile)
    }
}
