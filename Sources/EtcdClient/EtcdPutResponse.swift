// The answer to a put: the revision it created, and the previous value when asked for.
import Foundation

public struct EtcdPutResponse: Sendable, Equatable, Decodable {
    public var header: EtcdResponseHeader
    public var previous: EtcdKeyValue?

    private enum CodingKeys: String, CodingKey { case header, previous = "prev_kv" }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        header = try c.decodeIfPresent(EtcdResponseHeader.self, forKey: .header) ?? EtcdResponseHeader(revision: 0)
        previous = try c.decodeIfPresent(EtcdKeyValue.self, forKey: .previous)
    }
}
