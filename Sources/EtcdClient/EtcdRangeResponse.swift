// The answer to a range (one key or a prefix).
import Foundation

public struct EtcdRangeResponse: Sendable, Equatable, Decodable {
    public var header: EtcdResponseHeader
    public var kvs: [EtcdKeyValue]
    /// Keys in the range, even when a limit returned fewer.
    public var count: Int64
    /// True when a limit cut the answer short.
    public var more: Bool

    private enum CodingKeys: String, CodingKey { case header, kvs, count, more }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        header = try c.decodeIfPresent(EtcdResponseHeader.self, forKey: .header) ?? EtcdResponseHeader(revision: 0)
        kvs = try c.decodeIfPresent([EtcdKeyValue].self, forKey: .kvs) ?? []
        count = try c.etcdInt64(.count)
        more = try c.etcdBool(.more)
    }
}
