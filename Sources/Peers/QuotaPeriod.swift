// When a quota's count starts over. A plain quota (`--quota 50G`) counts from when it was
// set or reset and never starts over by itself; `/day`, `/week` and `/month` are calendar
// periods in UTC (weeks start on Monday, ISO 8601), so every server of a cluster and every
// reader agrees on the boundaries whatever its local time zone.

public enum QuotaPeriod: String, Hashable, Sendable, Codable, CaseIterable {
    /// From when the quota was set or the usage reset.
    case total
    case day
    case week
    case month

    /// The period that holds `now` (seconds since the Unix epoch): its start and the next
    /// period's start. For `total`, the start is `anchor` (when the quota was set or
    /// reset) and there is no next.
    public func bounds(at now: Int64, anchor: Int64) -> (start: Int64, next: Int64?) {
        let day = UTCCalendar.floorDivide(now, UTCCalendar.secondsPerDay)
        switch self {
        case .total:
            return (anchor, nil)
        case .day:
            return (day * UTCCalendar.secondsPerDay, (day + 1) * UTCCalendar.secondsPerDay)
        case .week:
            let sinceMonday = day - UTCCalendar.mondayOffsetDays
            let monday = UTCCalendar.floorDivide(sinceMonday, UTCCalendar.daysPerWeek) * UTCCalendar.daysPerWeek
                + UTCCalendar.mondayOffsetDays
            return (monday * UTCCalendar.secondsPerDay, (monday + UTCCalendar.daysPerWeek) * UTCCalendar.secondsPerDay)
        case .month:
            let date = UTCCalendar.civil(fromDays: day)
            let first = UTCCalendar.days(from: .init(year: date.year, month: date.month, day: 1))
            let next = first + UTCCalendar.daysInMonth(year: date.year, month: date.month)
            return (first * UTCCalendar.secondsPerDay, next * UTCCalendar.secondsPerDay)
        }
    }

    /// The suffix after SIZE in `--quota SIZE/PERIOD`; empty for a plain quota.
    public var suffix: String { self == .total ? "" : "/\(rawValue)" }
}
