// A wall-clock instant in whole seconds since the Unix epoch, read and written as RFC 3339
// (`2027-01-31T18:00:00Z`, `2027-01-31T20:00:00+02:00`): the form `--expires` takes and
// `peer list --json` prints. Printed always in UTC with `Z`, so text sorts as time does.
// A bare date (`2027-01-31`) is taken as the start of that day in UTC.

public struct RFC3339Time: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// What `--expires never` says: no expiry.
    public static let neverWord = "never"
    /// 9999-12-31T23:59:59Z: RFC 3339 years have four digits.
    public static let latest: Int64 = 253_402_300_799
    /// 0000-01-01T00:00:00Z.
    public static let earliest: Int64 = -62_167_219_200
    static let example = "write an RFC 3339 time such as 2027-01-31T18:00:00Z or 2027-01-31T20:00:00+02:00, or a date such as 2027-01-31"

    public var secondsSinceEpoch: Int64

    public init(secondsSinceEpoch: Int64) {
        precondition((RFC3339Time.earliest...RFC3339Time.latest).contains(secondsSinceEpoch),
                     "RFC 3339 covers the years 0000 to 9999")
        self.secondsSinceEpoch = secondsSinceEpoch
    }

    public init(parsing text: String) throws {
        guard let seconds = RFC3339Time.parse(Array(text.utf8)) else {
            throw LimitValueError(.date, text, RFC3339Time.example)
        }
        guard (RFC3339Time.earliest...RFC3339Time.latest).contains(seconds) else {
            throw LimitValueError(.date, text, "outside the years 0000 to 9999")
        }
        self.init(secondsSinceEpoch: seconds)
    }

    /// `--expires DATE|never` at `now`: nil for never; a time not after `now` is refused.
    public static func parseExpiry(_ text: String, now: Int64) throws -> RFC3339Time? {
        if text.lowercased() == neverWord { return nil }
        let time = try RFC3339Time(parsing: text)
        guard time.secondsSinceEpoch > now else {
            let current = (earliest...latest).contains(now) ? " (it is now \(RFC3339Time(secondsSinceEpoch: now)))" : ""
            throw LimitValueError(.date, text, "that is in the past\(current); give a later time, or `never`")
        }
        return time
    }

    public var description: String {
        let days = UTCCalendar.floorDivide(secondsSinceEpoch, UTCCalendar.secondsPerDay)
        let date = UTCCalendar.civil(fromDays: days)
        let inDay = secondsSinceEpoch - days * UTCCalendar.secondsPerDay
        return pad(date.year, 4) + "-" + pad(date.month, 2) + "-" + pad(date.day, 2) + "T"
            + pad(inDay / UTCCalendar.secondsPerHour, 2) + ":"
            + pad(inDay % UTCCalendar.secondsPerHour / UTCCalendar.secondsPerMinute, 2) + ":"
            + pad(inDay % UTCCalendar.secondsPerMinute, 2) + "Z"
    }

    public static func < (lhs: RFC3339Time, rhs: RFC3339Time) -> Bool { lhs.secondsSinceEpoch < rhs.secondsSinceEpoch }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(parsing: text) } catch let error as LimitValueError {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    private func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    private static let dateLength = 10  // YYYY-MM-DD
    private static let dateTimeLength = 19  // YYYY-MM-DDTHH:MM:SS
    private static let offsetLength = 6  // +HH:MM

    /// Seconds since the epoch, or nil if `text` is not RFC 3339 (or a bare date).
    private static func parse(_ text: [UInt8]) -> Int64? {
        func number(_ start: Int, _ count: Int) -> Int64? {
            guard start + count <= text.count else { return nil }
            var value: Int64 = 0
            for byte in text[start..<(start + count)] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            return value
        }
        func byte(_ index: Int, is allowed: String) -> Bool {
            index < text.count && allowed.utf8.contains(text[index])
        }
        guard let year = number(0, 4), byte(4, is: "-"), let month = number(5, 2), byte(7, is: "-"),
              let day = number(8, 2), (1...12).contains(month),
              (1...UTCCalendar.daysInMonth(year: year, month: month)).contains(day) else { return nil }
        let midnight = UTCCalendar.days(from: .init(year: year, month: month, day: day)) * UTCCalendar.secondsPerDay
        if text.count == dateLength { return midnight }
        guard byte(10, is: "Tt "), let hour = number(11, 2), byte(13, is: ":"), let minute = number(14, 2),
              byte(16, is: ":"), let second = number(17, 2),
              hour < 24, minute < 60, second <= 60 else { return nil }  // 60: a leap second
        var index = dateTimeLength
        if byte(index, is: ".") {  // fractions are allowed and dropped: expiry is to the second
            index += 1
            let digitsStart = index
            while index < text.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[index]) { index += 1 }
            guard index > digitsStart else { return nil }
        }
        var offset: Int64 = 0
        if byte(index, is: "Zz"), index + 1 == text.count {
            offset = 0
        } else if byte(index, is: "+-"), index + offsetLength == text.count,
                  let offsetHours = number(index + 1, 2), byte(index + 3, is: ":"), let offsetMinutes = number(index + 4, 2),
                  offsetHours < 24, offsetMinutes < 60 {
            let magnitude = offsetHours * UTCCalendar.secondsPerHour + offsetMinutes * UTCCalendar.secondsPerMinute
            offset = text[index] == UInt8(ascii: "+") ? magnitude : -magnitude
        } else {
            return nil
        }
        return midnight + hour * UTCCalendar.secondsPerHour + minute * UTCCalendar.secondsPerMinute + second - offset
    }
}
