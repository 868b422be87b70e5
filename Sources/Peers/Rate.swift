// A peer's rate cap, each direction, in bits per second, written as tc writes rates:
// `500kbit`, `20mbit`, `1gbit` (powers of 1000; a bare number is bits per second, as in
// tc). tc's `bps` units mean bytes per second, a classic slip, so they are refused with a
// hint rather than silently taken as bits.

public struct Rate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// What `--rate off` says: no cap.
    public static let offWord = "off"
    /// Largest unit first, so rendering picks the shortest exact form.
    static let units: [(suffix: String, bitsPerSecond: UInt64)] = [
        ("tbit", 1_000_000_000_000), ("gbit", 1_000_000_000), ("mbit", 1_000_000), ("kbit", 1_000), ("bit", 1),
    ]
    static let byteUnits: Set<String> = ["bps", "kbps", "mbps", "gbps", "tbps"]
    static let example = "write a number and a unit as tc does, e.g. 500kbit, 20mbit, 1gbit"

    public var bitsPerSecond: UInt64

    public init(bitsPerSecond: UInt64) {
        precondition(bitsPerSecond > 0, "a rate cap of zero would block the peer: disable it instead")
        self.bitsPerSecond = bitsPerSecond
    }

    /// Parses a rate such as `20mbit` (case-insensitive, no spaces).
    public init(parsing text: String) throws {
        let lowered = text.lowercased()
        let split: (number: Substring, unit: Substring)
        do { split = try DecimalQuantity.split(Substring(lowered)) } catch {
            throw LimitValueError(.rate, text, "a rate cannot be negative; \(Rate.example)")
        }
        let unit = String(split.unit)
        if Rate.byteUnits.contains(unit) {
            throw LimitValueError(.rate, text, "'\(unit)' is bytes per second in tc; write bits, e.g. 20mbit")
        }
        guard let multiplier = unit.isEmpty ? 1 : Rate.units.first(where: { $0.suffix == unit })?.bitsPerSecond else {
            throw LimitValueError(.rate, text, Rate.example)
        }
        let bits: UInt64
        do { bits = try DecimalQuantity.value(split.number, multiplier: multiplier) } catch let failure as DecimalQuantity.Failure {
            switch failure {
            case .tooLarge: throw LimitValueError(.rate, text, "too large (at most \(UInt64.max) bits per second)")
            case .fractionalUnit: throw LimitValueError(.rate, text, "finer than one bit per second")
            case .negative, .notANumber: throw LimitValueError(.rate, text, Rate.example)
            }
        }
        guard bits > 0 else {
            throw LimitValueError(.rate, text, "a zero rate would block the peer: use `off` for no cap, or disable the peer")
        }
        self.init(bitsPerSecond: bits)
    }

    /// `--rate RATE|off`: nil means no cap.
    public static func parseSetting(_ text: String) throws -> Rate? {
        text.lowercased() == offWord ? nil : try Rate(parsing: text)
    }

    /// The shortest exact tc form: 20000000 -> "20mbit", 1500 -> "1500bit".
    public var description: String {
        let unit = Rate.units.first { bitsPerSecond % $0.bitsPerSecond == 0 }!
        return "\(bitsPerSecond / unit.bitsPerSecond)\(unit.suffix)"
    }

    public static func < (lhs: Rate, rhs: Rate) -> Bool { lhs.bitsPerSecond < rhs.bitsPerSecond }

    /// A bare number of bits per second, as `rate_bits` in `peer list --json`.
    public init(from decoder: Decoder) throws {
        let bits = try decoder.singleValueContainer().decode(UInt64.self)
        guard bits > 0 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a rate of 0 bits per second"))
        }
        self.init(bitsPerSecond: bits)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(bitsPerSecond)
    }
}
