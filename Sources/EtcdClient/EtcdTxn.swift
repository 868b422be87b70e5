// A transaction: if every compare holds, run `success`, else `failure`, atomically at
// one revision. The patterns the store uses: create-if-absent (version == 0) and
// compare-and-swap (mod_revision == seen), over several keys at once.
import Foundation

public struct EtcdTxn: Sendable, Equatable, Encodable {
    public var compare: [EtcdCompare]
    public var success: [EtcdOp]
    public var failure: [EtcdOp]

    public init(if compare: [EtcdCompare] = [], then success: [EtcdOp] = [], else failure: [EtcdOp] = []) {
        self.compare = compare
        self.success = success
        self.failure = failure
    }

    private enum CodingKeys: String, CodingKey { case compare, success, failure }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(compare, forKey: .compare)
        try c.encode(success, forKey: .success)
        try c.encode(failure, forKey: .failure)
    }

    /// Only reads may be sent again after a failure that could have reached the server.
    var isReadOnly: Bool {
        (success + failure).allSatisfy { if case .range = $0 { return true } else { return false } }
    }
}
