// Numbers as a person reads them, in wg(8)'s words: "1 minute, 4 seconds", "1.21 MiB".
// Pure: "now" is passed in.
import Foundation

public enum HumanUnits {
    static let minute: UInt64 = 60
    static let hour = 60 * minute
    static let day = 24 * hour
    static let year = 365 * day
    static let binaryStep: Double = 1024
    static let byteUnits = ["KiB", "MiB", "GiB", "TiB"]

    /// "1 year, 2 days, 3 hours, 4 minutes, 5 seconds", leaving out zero parts; "0 seconds" for 0.
    public static func duration(_ seconds: UInt64) -> String {
        var left = seconds
        var parts: [String] = []
        for (size, unit) in [(year, "year"), (day, "day"), (hour, "hour"), (minute, "minute"), (1, "second")] {
            let n = left / size
            left %= size
            if n > 0 { parts.append("\(n) \(unit)\(n == 1 ? "" : "s")") }
        }
        return parts.isEmpty ? "0 seconds" : parts.joined(separator: ", ")
    }

    /// "1 minute, 4 seconds ago", "Now", or a warning when `then` lies in the future.
    public static func ago(_ then: Int64, now: Int64) -> String {
        if then == now { return "Now" }
        if then > now { return "in the future (the system clock went backwards?)" }
        return duration(UInt64(now - then)) + " ago"
    }

    /// "512 B", "340.00 KiB", "1.21 MiB", ... (powers of 1024, two decimals, as wg prints).
    public static func bytes(_ count: UInt64) -> String {
        var value = Double(count)
        guard value >= binaryStep else { return "\(count) B" }
        var unit = 0
        value /= binaryStep
        while value >= binaryStep && unit < byteUnits.count - 1 {
            value /= binaryStep
            unit += 1
        }
        return String(format: "%.2f", value) + " " + byteUnits[unit]
    }
}
