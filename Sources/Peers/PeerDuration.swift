// A length of time as `--expires-in` takes it: one number and one unit, `30s`, `10m`,
// `2h`, `7d`. Whole seconds: expiry is checked against a wall clock in seconds.

public struct PeerDuration: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Largest unit first, so rendering picks the shortest exact form.
    static let units: [(suffix: Character, seconds: Int64)] = [
        ("d", UTCCalendar.secondsPerDay), ("h", UTCCalendar.secondsPerHour), ("m", UTCCalendar.secondsPerMinute), ("s", 1),
    ]
    static let example = "write a whole number and a unit (s, m, h or d), e.g. 30s, 10m, 2h, 7d"

    public var seconds: Int64

    public init(seconds: Int64) {
        precondition(seconds > 0, "a duration is positive")
        self.seconds = seconds
    }

    public init(parsing text: String) throws {
        guard let last = text.last, let unit = PeerDuration.units.first(where: { $0.suffix == Character(last.lowercased()) }) else {
            throw LimitValueError(.duration, text, PeerDuration.example)
        }
        let number = text.dropLast()
        if number.hasPrefix("-") { throw LimitValueError(.duration, text, "a duration cannot be negative; \(PeerDuration.example)") }
        guard !number.isEmpty, number.allSatisfy(DecimalQuantity.isDigit) else {
            throw LimitValueError(.duration, text, PeerDuration.example)
        }
        guard let count = Int64(number), case let (total, overflow) = count.multipliedReportingOverflow(by: unit.seconds),
              !overflow else {
            throw LimitValueError(.duration, text, "too long")
        }
        guard total > 0 else { throw LimitValueError(.duration, text, "a duration must be longer than zero") }
        self.init(seconds: total)
    }

    /// `now + self`, or nil if that is past any date we can write.
    public func after(_ now: Int64) -> Int64? {
        let (sum, overflow) = now.addingReportingOverflow(seconds)
        return overflow || sum > RFC3339Time.latest ? nil : sum
    }

    /// The shortest exact form: 7200 -> "2h", 90 -> "90s".
    public var description: String {
        let unit = PeerDuration.units.first { seconds % $0.seconds == 0 }!
        return "\(seconds / unit.seconds)\(unit.suffix)"
    }

    public static func < (lhs: PeerDuration, rhs: PeerDuration) -> Bool { lhs.seconds < rhs.seconds }
}
