// The result of one operation inside a transaction, in the order the operations ran.
import Foundation

public enum EtcdOpResponse: Sendable, Equatable, Decodable {
    case range(EtcdRangeResponse)
    case put(EtcdPutResponse)
    case delete(EtcdDeleteResponse)

    private enum CodingKeys: String, CodingKey {
        case range = "response_range", put = "response_put", delete = "response_delete_range"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let r = try c.decodeIfPresent(EtcdRangeResponse.self, forKey: .range) {
            self = .range(r)
        } else if let p = try c.decodeIfPresent(EtcdPutResponse.self, forKey: .put) {
            self = .put(p)
        } else if let d = try c.decodeIfPresent(EtcdDeleteResponse.self, forKey: .delete) {
            self = .delete(d)
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "a ResponseOp with no known response"))
        }
    }

    /// The range result, when this was a range (the usual way to read what a failed guard saw).
    public var range: EtcdRangeResponse? {
        if case .range(let r) = self { return r }
        return nil
    }
}
