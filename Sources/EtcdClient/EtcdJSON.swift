// The JSON conventions of etcd's v3 gateway (grpc-gateway with proto field names): bytes
// are base64, 64-bit integers are strings, and fields holding their zero value are left
// out, so every decoder here treats a missing field as zero or empty.
import Foundation

enum EtcdJSON {
    static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.dataEncodingStrategy = .base64
        return try encoder.encode(value)
    }

    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        let decoder = JSONDecoder()
        decoder.dataDecodingStrategy = .base64
        return try decoder.decode(type, from: data)
    }

    /// The end of the key range holding every key that starts with `prefix`, as etcd's own
    /// clients compute it: the prefix with its last byte below 0xff incremented. A prefix of
    /// only 0xff bytes (or none) has no upper bound, which etcd spells as a single zero byte.
    static func prefixEnd(_ prefix: [UInt8]) -> [UInt8] {
        var end = prefix
        while let last = end.last {
            if last < 0xff {
                end[end.count - 1] = last + 1
                return end
            }
            end.removeLast()
        }
        return [0]
    }
}

extension KeyedDecodingContainer {
    /// An int64 field: a JSON string in the gateway's output, a number accepted too.
    func etcdInt64(_ key: Key) throws -> Int64 {
        if let text = try? decodeIfPresent(String.self, forKey: key) {
            guard let value = Int64(text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "not an int64: \(text)")
            }
            return value
        }
        return try decodeIfPresent(Int64.self, forKey: key) ?? 0
    }

    /// A uint64 field (cluster and member ids use the whole range).
    func etcdUInt64(_ key: Key) throws -> UInt64 {
        if let text = try? decodeIfPresent(String.self, forKey: key) {
            guard let value = UInt64(text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "not a uint64: \(text)")
            }
            return value
        }
        return try decodeIfPresent(UInt64.self, forKey: key) ?? 0
    }

    /// A bytes field: base64, empty when missing.
    func etcdBytes(_ key: Key) throws -> Data {
        try decodeIfPresent(Data.self, forKey: key) ?? Data()
    }

    func etcdBool(_ key: Key) throws -> Bool {
        try decodeIfPresent(Bool.self, forKey: key) ?? false
    }
}

extension KeyedEncodingContainer {
    mutating func encodeEtcdInt64(_ value: Int64, forKey key: Key) throws {
        try encode(String(value), forKey: key)
    }
}
