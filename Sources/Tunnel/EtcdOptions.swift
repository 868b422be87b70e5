// `--etcd` and its companions, on `tunnel server` and every `tunnel peer` command, or the
// same from TUNNEL_ETCD... environment variables (for units, where an
// EnvironmentFile= is the usual way). An option on the command line wins over its
// variable.
import EtcdClient
import EtcdStore
import Foundation

public struct EtcdOptions: Sendable, Equatable {
    public static let environmentNames = (endpoints: "TUNNEL_ETCD", prefix: "TUNNEL_ETCD_PREFIX",
                                          caFile: "TUNNEL_ETCD_CACERT", certificateFile: "TUNNEL_ETCD_CERT",
                                          keyFile: "TUNNEL_ETCD_KEY")

    public var endpoints: String
    public var prefix: String
    public var caFile: String?
    public var certificateFile: String?
    public var keyFile: String?

    /// Nil when neither `--etcd` nor TUNNEL_ETCD is given: the peers are in the file.
    public static func resolve(endpoints: String?, prefix: String?, caFile: String?, certificateFile: String?,
                               keyFile: String?,
                               environment: [String: String] = ProcessInfo.processInfo.environment) -> EtcdOptions? {
        let names = environmentNames
        func pick(_ option: String?, _ variable: String) -> String? {
            (option ?? environment[variable]).flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let endpoints = pick(endpoints, names.endpoints) else { return nil }
        return EtcdOptions(endpoints: endpoints, prefix: pick(prefix, names.prefix) ?? EtcdKeyLayout.defaultPrefix,
                           caFile: pick(caFile, names.caFile), certificateFile: pick(certificateFile, names.certificateFile),
                           keyFile: pick(keyFile, names.keyFile))
    }

    /// A client for these members; its one thread starts in the caller's network namespace.
    func makeClient() throws -> EtcdClient {
        let tls = caFile == nil && certificateFile == nil && keyFile == nil
            ? nil : EtcdTLS(caFile: caFile, certificateFile: certificateFile, keyFile: keyFile)
        if (certificateFile == nil) != (keyFile == nil) {
            throw TunnelError.invalidOption("--etcd-cert and --etcd-key go together: give both or neither")
        }
        if let keyFile {
            var st = stat()
            guard stat(keyFile, &st) == 0 else { throw TunnelError.invalidOption("--etcd-key \(keyFile): cannot read it") }
            if st.st_mode & 0o004 != 0 {
                throw TunnelError.invalidOption("--etcd-key \(keyFile) is readable by every user: chmod 600 it first")
            }
        }
        return try EtcdClient(try EtcdClientConfiguration(endpoints: endpoints, tls: tls))
    }
}
