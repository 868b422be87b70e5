// TLS towards etcd: the CA that signed the members' certificates, and a client
// certificate and key when the members require one (--client-cert-auth).
import Foundation

public struct EtcdTLS: Sendable, Equatable {
    /// PEM file of the CA to trust; nil trusts the system's roots.
    public var caFile: String?
    public var certificateFile: String?
    public var keyFile: String?

    public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }
}
