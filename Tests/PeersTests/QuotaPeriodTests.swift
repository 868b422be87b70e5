// Quota periods on exact UTC boundaries, usage rolling over into them, and the one state
// a peer shows when several causes hold.
import Foundation
import XCTest
@testable import Peers

final class QuotaPeriodTests: XCTestCase {
    // 2027-01-31T18:00:00Z, a Sunday: the last day of its week and of its month.
    private let sundayEvening: Int64 = 1_801_418_400

    func testCalendarPeriodsHaveExactUTCBoundaries() {
        // (time, day start, day end, Monday, next Monday, month start, next month start)
        let cases: [(Int64, Int64, Int64, Int64, Int64, Int64, Int64)] = [
            (sundayEvening, 1_801_353_600, 1_801_440_000, 1_800_835_200, 1_801_440_000, 1_798_761_600, 1_801_440_000),
            // 2024-02-29T12:00:00Z, a Thursday in a leap February
            (1_709_208_000, 1_709_164_800, 1_709_251_200, 1_708_905_600, 1_709_510_400, 1_706_745_600, 1_709_251_200),
            // 2026-12-31T23:59:59Z: the month ends with the year
            (1_798_761_599, 1_798_675_200, 1_798_761_600, 1_798_416_000, 1_799_020_800, 1_796_083_200, 1_798_761_600),
            // 2027-01-04T00:00:00Z, a Monday at midnight: a boundary belongs to the period it starts
            (1_799_020_800, 1_799_020_800, 1_799_107_200, 1_799_020_800, 1_799_625_600, 1_798_761_600, 1_801_440_000),
            // 1969-12-31T12:00:00Z: before the epoch, divisions round down
            (-43_200, -86_400, 0, -259_200, 345_600, -2_678_400, 0),
        ]
        for (now, day, nextDay, week, nextWeek, month, nextMonth) in cases {
            for (period, start, next) in [(QuotaPeriod.day, day, nextDay), (.week, week, nextWeek), (.month, month, nextMonth)] {
                let bounds = period.bounds(at: now, anchor: 0)
                XCTAssertEqual(bounds.start, start, "\(period) of \(now)")
                XCTAssertEqual(bounds.next, next, "\(period) of \(now)")
            }
        }
    }

    func testAPlainQuotaCountsFromItsAnchorForever() {
        let bounds = QuotaPeriod.total.bounds(at: sundayEvening + 10 * 365 * 86_400, anchor: 1_000)
        XCTAssertEqual(bounds.start, 1_000)
        XCTAssertNil(bounds.next)
        XCTAssertEqual(QuotaPeriod.total.suffix, "")
        XCTAssertEqual(QuotaPeriod.month.suffix, "/month")
    }

    func testUsageRollsOverAtTheNextPeriodOnly() {
        var usage = PeerUsage(periodStart: 1_798_761_600)  // 2027-01-01
        usage.add(rx: 300, tx: 200)
        usage.lastHandshake = sundayEvening
        XCTAssertEqual(usage.quotaBytes, 500)

        usage.rollOver(period: .month, now: sundayEvening)  // still January
        XCTAssertEqual(usage, PeerUsage(rxBytes: 300, txBytes: 200, quotaBytes: 500, periodStart: 1_798_761_600,
                                        lastHandshake: sundayEvening))
        XCTAssertEqual(usage.periodBytes(at: 1_801_440_000, period: .month), 0, "February starts from zero")
        XCTAssertEqual(usage.quotaBytes, 500, "reading does not change the count")

        usage.rollOver(period: .month, now: 1_801_440_000 + 5)
        XCTAssertEqual(usage, PeerUsage(rxBytes: 300, txBytes: 200, quotaBytes: 0, periodStart: 1_801_440_000,
                                        lastHandshake: sundayEvening), "lifetime totals stay, the quota count restarts")

        usage.add(rx: 1, tx: 0)
        usage.rollOver(period: .month, now: sundayEvening)  // a clock stepped back: nothing is lost
        XCTAssertEqual(usage.quotaBytes, 1)
        XCTAssertEqual(usage.periodStart, 1_801_440_000)
    }

    func testAResetMidPeriodHoldsUntilTheNextBoundary() {
        var usage = PeerUsage(rxBytes: 10, txBytes: 20, quotaBytes: 30, periodStart: 1_798_761_600)
        usage.reset(now: sundayEvening)
        XCTAssertEqual(usage, PeerUsage(rxBytes: 10, txBytes: 20, quotaBytes: 0, periodStart: sundayEvening))
        usage.add(rx: 5, tx: 5)
        usage.rollOver(period: .day, now: sundayEvening + 3_600)
        XCTAssertEqual(usage.quotaBytes, 10, "the day began before the reset: the count since the reset stands")
        usage.rollOver(period: .day, now: 1_801_440_000)
        XCTAssertEqual(usage.quotaBytes, 0)
        XCTAssertEqual(usage.periodStart, 1_801_440_000)
        usage.reset(now: 1_801_450_000)
        usage.add(rx: 7, tx: 0)
        usage.rollOver(period: .total, now: 1_801_450_000 + 400 * 86_400)
        XCTAssertEqual(usage.quotaBytes, 7, "a plain quota never rolls over by itself")
    }

    func testCountersSaturateInsteadOfWrapping() {
        var usage = PeerUsage(rxBytes: .max - 1, txBytes: 0, quotaBytes: .max - 1, periodStart: 0)
        usage.add(rx: 10, tx: .max)
        XCTAssertEqual(usage.rxBytes, .max)
        XCTAssertEqual(usage.txBytes, .max)
        XCTAssertEqual(usage.quotaBytes, .max)
    }

    func testStateDisabledWinsThenExpiredThenOverQuota() throws {
        let quota = try Quota(parsing: "1K/month")
        let over = PeerUsage(quotaBytes: 1_000, periodStart: 1_798_761_600)
        let under = PeerUsage(quotaBytes: 999, periodStart: 1_798_761_600)
        let past = RFC3339Time(secondsSinceEpoch: sundayEvening)
        let future = RFC3339Time(secondsSinceEpoch: sundayEvening + 1)
        let cases: [(PeerLimits, PeerUsage, PeerState)] = [
            (PeerLimits(), over, .active),
            (PeerLimits(quota: quota, expires: past, disabled: true), over, .disabled),
            (PeerLimits(quota: quota, expires: past), over, .expired),
            (PeerLimits(quota: quota, expires: future), over, .overQuota),
            (PeerLimits(quota: quota, expires: future), under, .active),
            (PeerLimits(rate: Rate(bitsPerSecond: 1)), over, .active),
        ]
        for (index, (limits, usage, state)) in cases.enumerated() {
            XCTAssertEqual(PeerState.derive(limits: limits, usage: usage, now: sundayEvening), state, "case \(index)")
        }
        let nextMonth: Int64 = 1_801_440_000
        XCTAssertEqual(PeerState.derive(limits: PeerLimits(quota: quota), usage: over, now: nextMonth), .active,
                       "a new period lifts over-quota without a write")
        XCTAssertEqual(PeerState.derive(limits: PeerLimits(quota: try Quota(parsing: "2K/month")), usage: over, now: sundayEvening),
                       .active, "a larger quota lifts it too")
        XCTAssertEqual(PeerState.allCases.map(\.rawValue), ["invited", "active", "disabled", "expired", "over-quota"])
        XCTAssertEqual(PeerState.allCases.filter(\.admitsTraffic), [.active])
    }

    func testLimitsAndUsageEncodeWithTheListFieldNames() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let limits = PeerLimits(rate: Rate(bitsPerSecond: 20_000_000), quota: try Quota(parsing: "50G/month"),
                                expires: RFC3339Time(secondsSinceEpoch: sundayEvening), disabled: true)
        let limitsJSON = String(decoding: try encoder.encode(limits), as: UTF8.self)
        XCTAssertEqual(limitsJSON, #"{"disabled":true,"expires":"2027-01-31T18:00:00Z","quota":{"limit":50000000000,"period":"month"},"rate_bits":20000000}"#)
        XCTAssertEqual(try JSONDecoder().decode(PeerLimits.self, from: Data(limitsJSON.utf8)), limits)
        XCTAssertEqual(String(decoding: try encoder.encode(PeerLimits()), as: UTF8.self),
                       #"{"disabled":false,"expires":null,"quota":null,"rate_bits":null}"#)
        XCTAssertEqual(try JSONDecoder().decode(PeerLimits.self, from: Data("{}".utf8)), PeerLimits())

        let usage = PeerUsage(rxBytes: 1, txBytes: 2, quotaBytes: 3, periodStart: 1_798_761_600, lastHandshake: sundayEvening)
        let usageJSON = String(decoding: try encoder.encode(usage), as: UTF8.self)
        XCTAssertEqual(usageJSON, #"{"last_handshake":"2027-01-31T18:00:00Z","period_start":"2027-01-01T00:00:00Z","rx_bytes":1,"tx_bytes":2,"usage_bytes":3}"#)
        XCTAssertEqual(try JSONDecoder().decode(PeerUsage.self, from: Data(usageJSON.utf8)), usage)
    }
}
