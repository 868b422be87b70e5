// A lease as grant and keepalive report it: its id and the seconds it has left.
import Foundation

public struct EtcdLeaseResponse: Sendable, Equatable, Decodable {
    public var header: EtcdResponseHeader
    public var id: Int64
    /// Seconds to live; 0 or less from a keepalive means the lease is gone.
    public var ttl: Int64

    // The lease messages keep proto field names in capitals.
    private enum CodingKeys: String, CodingKey { case header, id = "ID", ttl = "TTL", error }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        header = try c.decodeIfPresent(EtcdResponseHeader.self, forKey: .header) ?? EtcdResponseHeader(revision: 0)
        id = try c.etcdInt64(.id)
        ttl = try c.etcdInt64(.ttl)
    }
}
