// The values `peer set` and `peer invite` take: each parses to an exact number, prints
// back in its shortest form, and bad input is refused with a message naming it.
import Foundation
import XCTest
@testable import Peers

final class LimitValueTests: XCTestCase {
    private func refusal(_ body: () throws -> Any?) -> LimitValueError? {
        do { _ = try body(); return nil } catch { return error as? LimitValueError }
    }

    func testRatesParseAsTcWritesThem() throws {
        let cases: [(String, UInt64, String)] = [
            ("500kbit", 500_000, "500kbit"), ("20mbit", 20_000_000, "20mbit"), ("1gbit", 1_000_000_000, "1gbit"),
            ("20Mbit", 20_000_000, "20mbit"), ("1.5mbit", 1_500_000, "1500kbit"), ("1500", 1_500, "1500bit"),
            ("64bit", 64, "64bit"), ("2tbit", 2_000_000_000_000, "2tbit"), ("0.001kbit", 1, "1bit"),
        ]
        for (text, bits, printed) in cases {
            let rate = try Rate(parsing: text)
            XCTAssertEqual(rate.bitsPerSecond, bits, text)
            XCTAssertEqual(rate.description, printed, text)
        }
        XCTAssertNil(try Rate.parseSetting("off"))
        XCTAssertEqual(try Rate.parseSetting("20mbit"), Rate(bitsPerSecond: 20_000_000))
    }

    func testBadRatesAreRefusedWithTheirText() {
        let cases: [(String, String)] = [
            ("fast", "invalid rate 'fast': write a number and a unit as tc does, e.g. 500kbit, 20mbit, 1gbit"),
            ("-5mbit", "invalid rate '-5mbit': a rate cannot be negative; write a number and a unit as tc does, e.g. 500kbit, 20mbit, 1gbit"),
            ("0mbit", "invalid rate '0mbit': a zero rate would block the peer: use `off` for no cap, or disable the peer"),
            ("0", "invalid rate '0': a zero rate would block the peer: use `off` for no cap, or disable the peer"),
            ("20mbps", "invalid rate '20mbps': 'mbps' is bytes per second in tc; write bits, e.g. 20mbit"),
            ("99999999999tbit", "invalid rate '99999999999tbit': too large (at most 18446744073709551615 bits per second)"),
            ("18446744073709551616", "invalid rate '18446744073709551616': too large (at most 18446744073709551615 bits per second)"),
            ("1.5bit", "invalid rate '1.5bit': finer than one bit per second"),
            ("", "invalid rate '': write a number and a unit as tc does, e.g. 500kbit, 20mbit, 1gbit"),
            ("20 mbit", "invalid rate '20 mbit': write a number and a unit as tc does, e.g. 500kbit, 20mbit, 1gbit"),
            ("1.2.3mbit", "invalid rate '1.2.3mbit': write a number and a unit as tc does, e.g. 500kbit, 20mbit, 1gbit"),
        ]
        for (text, message) in cases {
            XCTAssertEqual(refusal { try Rate(parsing: text) }?.description, message, text)
        }
        XCTAssertEqual(refusal { try Rate(parsing: "fast") }?.kind, .rate)
    }

    func testSizesArePowersOfAThousand() throws {
        let cases: [(String, UInt64, String)] = [
            ("500M", 500_000_000, "500M"), ("30G", 30_000_000_000, "30G"), ("1T", 1_000_000_000_000, "1T"),
            ("30GB", 30_000_000_000, "30G"), ("500m", 500_000_000, "500M"), ("1234", 1_234, "1234"),
            ("1.5T", 1_500_000_000_000, "1500G"), ("0.3G", 300_000_000, "300M"), ("0", 0, "0"), ("2P", 2_000_000_000_000_000, "2P"),
        ]
        for (text, bytes, printed) in cases {
            let size = try ByteSize(parsing: text)
            XCTAssertEqual(size.bytes, bytes, text)
            XCTAssertEqual(size.description, printed, text)
        }
    }

    func testBadSizesAreRefusedWithTheirText() {
        let cases: [(String, String)] = [
            ("-5", "invalid size '-5': a size cannot be negative; write bytes with an optional unit (powers of 1000), e.g. 500M, 30G, 1T"),
            ("lots", "invalid size 'lots': write bytes with an optional unit (powers of 1000), e.g. 500M, 30G, 1T"),
            ("30Gb", "invalid size '30Gb': a lowercase 'b' reads as bits; sizes are bytes: write bytes with an optional unit (powers of 1000), e.g. 500M, 30G, 1T"),
            ("20000000T", "invalid size '20000000T': too large (at most 18446744073709551615 bytes)"),
            ("0.5", "invalid size '0.5': finer than one byte"),
            ("5X", "invalid size '5X': write bytes with an optional unit (powers of 1000), e.g. 500M, 30G, 1T"),
        ]
        for (text, message) in cases {
            XCTAssertEqual(refusal { try ByteSize(parsing: text) }?.description, message, text)
        }
    }

    func testQuotasTakeASizeAndAPeriod() throws {
        XCTAssertEqual(try Quota(parsing: "50G/month"), Quota(limit: ByteSize(bytes: 50_000_000_000), period: .month))
        XCTAssertEqual(try Quota(parsing: "500M/day"), Quota(limit: ByteSize(bytes: 500_000_000), period: .day))
        XCTAssertEqual(try Quota(parsing: "1T/Week"), Quota(limit: ByteSize(bytes: 1_000_000_000_000), period: .week))
        XCTAssertEqual(try Quota(parsing: "30G"), Quota(limit: ByteSize(bytes: 30_000_000_000), period: .total))
        XCTAssertEqual(try Quota(parsing: "50G/month").description, "50G/month")
        XCTAssertEqual(try Quota(parsing: "30000M").description, "30G")
        XCTAssertNil(try Quota.parseSetting("off"))
        XCTAssertNil(try Quota.parseSetting("OFF"))

        let cases: [(String, String)] = [
            ("-5", "invalid quota '-5': a size cannot be negative; write bytes with an optional unit (powers of 1000), e.g. 500M, 30G, 1T"),
            ("50G/year", "invalid quota '50G/year': the period after '/' is day, week or month, e.g. 50G/month"),
            ("50G/total", "invalid quota '50G/total': the period after '/' is day, week or month, e.g. 50G/month"),
            ("0/day", "invalid quota '0/day': a zero quota would block the peer: use `off` for no quota, or disable the peer"),
            ("/day", "invalid quota '/day': write bytes with an optional unit (powers of 1000), e.g. 500M, 30G, 1T"),
        ]
        for (text, message) in cases {
            XCTAssertEqual(refusal { try Quota(parsing: text) }?.description, message, text)
        }
    }

    func testDurationsTakeOneUnit() throws {
        let cases: [(String, Int64, String)] = [
            ("30s", 30, "30s"), ("10m", 600, "10m"), ("2h", 7_200, "2h"), ("7d", 604_800, "7d"),
            ("90s", 90, "90s"), ("120m", 7_200, "2h"), ("24H", 86_400, "1d"),
        ]
        for (text, seconds, printed) in cases {
            let duration = try PeerDuration(parsing: text)
            XCTAssertEqual(duration.seconds, seconds, text)
            XCTAssertEqual(duration.description, printed, text)
        }
        XCTAssertEqual(try PeerDuration(parsing: "2h").after(1_000), 8_200)
        XCTAssertNil(PeerDuration(seconds: 10).after(RFC3339Time.latest))

        let refused: [(String, String)] = [
            ("10", "invalid duration '10': write a whole number and a unit (s, m, h or d), e.g. 30s, 10m, 2h, 7d"),
            ("1w", "invalid duration '1w': write a whole number and a unit (s, m, h or d), e.g. 30s, 10m, 2h, 7d"),
            ("-2h", "invalid duration '-2h': a duration cannot be negative; write a whole number and a unit (s, m, h or d), e.g. 30s, 10m, 2h, 7d"),
            ("0s", "invalid duration '0s': a duration must be longer than zero"),
            ("1.5h", "invalid duration '1.5h': write a whole number and a unit (s, m, h or d), e.g. 30s, 10m, 2h, 7d"),
            ("h", "invalid duration 'h': write a whole number and a unit (s, m, h or d), e.g. 30s, 10m, 2h, 7d"),
            ("999999999999999999d", "invalid duration '999999999999999999d': too long"),
            ("", "invalid duration '': write a whole number and a unit (s, m, h or d), e.g. 30s, 10m, 2h, 7d"),
        ]
        for (text, message) in refused {
            XCTAssertEqual(refusal { try PeerDuration(parsing: text) }?.description, message, text)
        }
    }

    func testRFC3339TimesParseToExactSecondsAndPrintInUTC() throws {
        let cases: [(String, Int64, String)] = [
            ("1970-01-01T00:00:00Z", 0, "1970-01-01T00:00:00Z"),
            ("2027-01-31T18:00:00Z", 1_801_418_400, "2027-01-31T18:00:00Z"),
            ("2027-01-31T20:00:00+02:00", 1_801_418_400, "2027-01-31T18:00:00Z"),
            ("2027-01-31T13:30:00-04:30", 1_801_418_400, "2027-01-31T18:00:00Z"),
            ("2027-01-31t18:00:00.999z", 1_801_418_400, "2027-01-31T18:00:00Z"),
            ("2027-01-31 18:00:00Z", 1_801_418_400, "2027-01-31T18:00:00Z"),
            ("2027-01-31", 1_801_353_600, "2027-01-31T00:00:00Z"),
            ("2024-02-29T23:59:59Z", 1_709_251_199, "2024-02-29T23:59:59Z"),
            ("1969-12-31T23:59:59Z", -1, "1969-12-31T23:59:59Z"),
            ("9999-12-31T23:59:59Z", RFC3339Time.latest, "9999-12-31T23:59:59Z"),
            ("0000-01-01T00:00:00Z", RFC3339Time.earliest, "0000-01-01T00:00:00Z"),
        ]
        for (text, seconds, printed) in cases {
            let time = try RFC3339Time(parsing: text)
            XCTAssertEqual(time.secondsSinceEpoch, seconds, text)
            XCTAssertEqual(time.description, printed, text)
        }
        let example = "write an RFC 3339 time such as 2027-01-31T18:00:00Z or 2027-01-31T20:00:00+02:00, or a date such as 2027-01-31"
        for bad in ["2027-02-29T00:00:00Z", "2027-13-01", "2027-01-31T24:00:00Z", "2027-01-31T18:00:00", "tomorrow",
                    "2027-1-31", "2027-01-31T18:00Z", "2027-01-31T18:00:00+0200", "2027-01-31T18:00:00.Z", "2027-01-31X"] {
            XCTAssertEqual(refusal { try RFC3339Time(parsing: bad) }?.description, "invalid date '\(bad)': \(example)", bad)
        }
        XCTAssertEqual(refusal { try RFC3339Time(parsing: "9999-12-31T23:59:59-01:00") }?.description,
                       "invalid date '9999-12-31T23:59:59-01:00': outside the years 0000 to 9999")
    }

    func testExpiryTakesNeverOrAFutureTime() throws {
        let now: Int64 = 1_801_418_400  // 2027-01-31T18:00:00Z
        XCTAssertNil(try RFC3339Time.parseExpiry("never", now: now))
        XCTAssertEqual(try RFC3339Time.parseExpiry("2027-02-01", now: now)?.secondsSinceEpoch, 1_801_440_000)
        XCTAssertEqual(try RFC3339Time.parseExpiry("2027-01-31T18:00:01Z", now: now)?.secondsSinceEpoch, now + 1)
        XCTAssertEqual(refusal { try RFC3339Time.parseExpiry("2027-01-31T18:00:00Z", now: now) }?.description,
                       "invalid date '2027-01-31T18:00:00Z': that is in the past (it is now 2027-01-31T18:00:00Z); give a later time, or `never`")
        XCTAssertEqual(refusal { try RFC3339Time.parseExpiry("2020-01-01", now: now) }?.description,
                       "invalid date '2020-01-01': that is in the past (it is now 2027-01-31T18:00:00Z); give a later time, or `never`")
    }

    func testValuesEncodeAsPlainJSON() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        XCTAssertEqual(String(decoding: try encoder.encode(Rate(bitsPerSecond: 20_000_000)), as: UTF8.self), "20000000")
        XCTAssertEqual(String(decoding: try encoder.encode(try Quota(parsing: "50G/month")), as: UTF8.self),
                       #"{"limit":50000000000,"period":"month"}"#)
        XCTAssertEqual(String(decoding: try encoder.encode(RFC3339Time(secondsSinceEpoch: 0)), as: UTF8.self),
                       #""1970-01-01T00:00:00Z""#)
        XCTAssertThrowsError(try JSONDecoder().decode([Rate].self, from: Data("[0]".utf8)))
        XCTAssertThrowsError(try JSONDecoder().decode([RFC3339Time].self, from: Data(#"["soon"]"#.utf8)))
    }
}
