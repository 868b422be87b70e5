// An amount of data as people write it for quotas: `500M`, `30G`, `1T` or plain bytes
// (powers of 1000, as disks and ISPs count; a trailing `B` is allowed: `30GB`).

public struct ByteSize: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Largest unit first, so rendering picks the shortest exact form.
    static let units: [(suffix: String, bytes: UInt64)] = [
        ("P", 1_000_000_000_000_000), ("T", 1_000_000_000_000), ("G", 1_000_000_000), ("M", 1_000_000), ("K", 1_000),
    ]
    static let example = "write bytes with an optional unit (powers of 1000), e.g. 500M, 30G, 1T"

    public var bytes: UInt64

    public init(bytes: UInt64) { self.bytes = bytes }

    /// Parses `30G`, `30GB`, `500m`, `1.5T` or `1234`.
    public init(parsing text: String) throws {
        let split: (number: Substring, unit: Substring)
        do { split = try DecimalQuantity.split(Substring(text)) } catch {
            throw LimitValueError(.size, text, "a size cannot be negative; \(ByteSize.example)")
        }
        var unit = split.unit.uppercased()
        if unit.hasSuffix("B") { unit.removeLast() }
        if split.unit.hasSuffix("b") {
            throw LimitValueError(.size, text, "a lowercase 'b' reads as bits; sizes are bytes: \(ByteSize.example)")
        }
        guard let multiplier = unit.isEmpty ? 1 : ByteSize.units.first(where: { $0.suffix == unit })?.bytes else {
            throw LimitValueError(.size, text, ByteSize.example)
        }
        do { bytes = try DecimalQuantity.value(split.number, multiplier: multiplier) } catch let failure as DecimalQuantity.Failure {
            switch failure {
            case .tooLarge: throw LimitValueError(.size, text, "too large (at most \(UInt64.max) bytes)")
            case .fractionalUnit: throw LimitValueError(.size, text, "finer than one byte")
            case .negative, .notANumber: throw LimitValueError(.size, text, ByteSize.example)
            }
        }
    }

    /// The shortest exact form: 30000000000 -> "30G", 1234 -> "1234".
    public var description: String {
        guard let unit = ByteSize.units.first(where: { bytes != 0 && bytes % $0.bytes == 0 }) else { return "\(bytes)" }
        return "\(bytes / unit.bytes)\(unit.suffix)"
    }

    public static func < (lhs: ByteSize, rhs: ByteSize) -> Bool { lhs.bytes < rhs.bytes }

    /// A bare number of bytes in JSON.
    public init(from decoder: Decoder) throws {
        bytes = try decoder.singleValueContainer().decode(UInt64.self)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(bytes)
    }
}
