// Which branch a transaction took, and what each of its operations returned.
import Foundation

public struct EtcdTxnResponse: Sendable, Equatable, Decodable {
    public var header: EtcdResponseHeader
    public var succeeded: Bool
    public var responses: [EtcdOpResponse]

    private enum CodingKeys: String, CodingKey { case header, succeeded, responses }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        header = try c.decodeIfPresent(EtcdResponseHeader.self, forKey: .header) ?? EtcdResponseHeader(revision: 0)
        succeeded = try c.etcdBool(.succeeded)
        responses = try c.decodeIfPresent([EtcdOpResponse].self, forKey: .responses) ?? []
    }
}
