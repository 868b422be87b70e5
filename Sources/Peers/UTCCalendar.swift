// Calendar arithmetic in UTC on seconds since the Unix epoch, for quota periods and RFC
// 3339 dates. Pure integer math (Howard Hinnant's days-from-civil algorithms): no
// Foundation Calendar, no time zone database, the same answer on every machine.

enum UTCCalendar {
    static let secondsPerMinute: Int64 = 60
    static let secondsPerHour: Int64 = 3_600
    static let secondsPerDay: Int64 = 86_400
    static let daysPerWeek: Int64 = 7
    /// ISO 8601 weeks start on Monday; the first Monday after the epoch (a Thursday) was
    /// 1970-01-05, day 4.
    static let mondayOffsetDays: Int64 = 4
    static let daysPer400Years: Int64 = 146_097
    /// Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar.
    static let epochShiftDays: Int64 = 719_468

    struct Civil: Equatable {
        var year: Int64
        var month: Int64  // 1...12
        var day: Int64    // 1...31
    }

    /// Days since 1970-01-01 for a date (any month length is trusted to the caller).
    static func days(from date: Civil) -> Int64 {
        let year = date.month <= 2 ? date.year - 1 : date.year
        let era = floorDivide(year, 400)
        let yearOfEra = year - era * 400
        let shiftedMonth = date.month > 2 ? date.month - 3 : date.month + 9
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + date.day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * daysPer400Years + dayOfEra - epochShiftDays
    }

    static func civil(fromDays days: Int64) -> Civil {
        let shifted = days + epochShiftDays
        let era = floorDivide(shifted, daysPer400Years)
        let dayOfEra = shifted - era * daysPer400Years
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return Civil(year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month: month, day: day)
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        let next = month == 12 ? Civil(year: year + 1, month: 1, day: 1) : Civil(year: year, month: month + 1, day: 1)
        return days(from: next) - days(from: Civil(year: year, month: month, day: 1))
    }

    /// Rounds toward negative infinity, so times before 1970 land in the right day.
    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
