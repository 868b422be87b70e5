// The answer to a delete: how many keys went, and what they held when asked for.
import Foundation

public struct EtcdDeleteResponse: Sendable, Equatable, Decodable {
    public var header: EtcdResponseHeader
    public var deleted: Int64
    public var previous: [EtcdKeyValue]

    private enum CodingKeys: String, CodingKey { case header, deleted, previous = "prev_kvs" }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        header = try c.decodeIfPresent(EtcdResponseHeader.self, forKey: .header) ?? EtcdResponseHeader(revision: 0)
        deleted = try c.etcdInt64(.deleted)
        previous = try c.decodeIfPresent([EtcdKeyValue].self, forKey: .previous) ?? []
    }
}
