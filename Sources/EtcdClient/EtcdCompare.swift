// A transaction's guard on one key: its version, create or mod revision, or value,
// compared with a constant. Version 0 means "absent", which is how create-if-absent is
// written; mod revision equal to the one last seen is compare-and-swap.
import Foundation

public struct EtcdCompare: Sendable, Equatable, Encodable {
    public enum Target: Sendable, Equatable {
        case version(Int64)
        case createRevision(Int64)
        case modRevision(Int64)
        case value(Data)
        case lease(Int64)
    }

    public enum Result: String, Sendable, Equatable {
        case equal = "EQUAL", greater = "GREATER", less = "LESS", notEqual = "NOT_EQUAL"
    }

    public var key: String
    public var result: Result
    public var target: Target

    public init(key: String, _ result: Result, _ target: Target) {
        self.key = key
        self.result = result
        self.target = target
    }

    public static func version(_ key: String, _ result: Result, _ version: Int64) -> EtcdCompare {
        EtcdCompare(key: key, result, .version(version))
    }
    public static func createRevision(_ key: String, _ result: Result, _ revision: Int64) -> EtcdCompare {
        EtcdCompare(key: key, result, .createRevision(revision))
    }
    public static func modRevision(_ key: String, _ result: Result, _ revision: Int64) -> EtcdCompare {
        EtcdCompare(key: key, result, .modRevision(revision))
    }
    public static func value(_ key: String, _ result: Result, _ value: Data) -> EtcdCompare {
        EtcdCompare(key: key, result, .value(value))
    }

    private enum CodingKeys: String, CodingKey {
        case key, result, target, version, createRevision = "create_revision", modRevision = "mod_revision", value, lease
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Data(key.utf8), forKey: .key)
        try c.encode(result.rawValue, forKey: .result)
        switch target {
        case .version(let v):
            try c.encode("VERSION", forKey: .target)
            try c.encodeEtcdInt64(v, forKey: .version)
        case .createRevision(let v):
            try c.encode("CREATE", forKey: .target)
            try c.encodeEtcdInt64(v, forKey: .createRevision)
        case .modRevision(let v):
            try c.encode("MOD", forKey: .target)
            try c.encodeEtcdInt64(v, forKey: .modRevision)
        case .value(let v):
            try c.encode("VALUE", forKey: .target)
            try c.encode(v, forKey: .value)
        case .lease(let v):
            try c.encode("LEASE", forKey: .target)
            try c.encodeEtcdInt64(v, forKey: .lease)
        }
    }
}
