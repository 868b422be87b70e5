// The header of every etcd response: above all the store's revision when it answered,
// which is where a watch that follows a list starts from (revision + 1).
import Foundation

public struct EtcdResponseHeader: Sendable, Equatable, Decodable {
    public var clusterID: UInt64
    public var memberID: UInt64
    public var revision: Int64
    public var raftTerm: UInt64

    public init(clusterID: UInt64 = 0, memberID: UInt64 = 0, revision: Int64, raftTerm: UInt64 = 0) {
        self.clusterID = clusterID
        self.memberID = memberID
        self.revision = revision
        self.raftTerm = raftTerm
    }

    private enum CodingKeys: String, CodingKey {
        case clusterID = "cluster_id", memberID = "member_id", revision, raftTerm = "raft_term"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        clusterID = try c.etcdUInt64(.clusterID)
        memberID = try c.etcdUInt64(.memberID)
        revision = try c.etcdInt64(.revision)
        raftTerm = try c.etcdUInt64(.raftTerm)
    }
}
