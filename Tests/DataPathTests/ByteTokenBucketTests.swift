// The per-peer rate cap: exact admits and refusals over scripted timelines (down to
// fractions of a bit), the long-run rate, and no overflow after idle gaps of years.
import AllocationCounter
import XCTest
@testable import DataPath

final class ByteTokenBucketTests: XCTestCase {
    private let millisecond: UInt64 = 1_000_000
    private let second: UInt64 = 1_000_000_000

    func testTheDefaultBurstIsTwoHundredMillisecondsAtTheRateWithA64KBFloor() {
        XCTAssertEqual(ByteTokenBucket.defaultBurstBytes(bitsPerSecond: 20_000_000), 500_000)
        XCTAssertEqual(ByteTokenBucket.defaultBurstBytes(bitsPerSecond: 1_000_000_000), 25_000_000)
        XCTAssertEqual(ByteTokenBucket.defaultBurstBytes(bitsPerSecond: 2_621_440), 65_536)
        XCTAssertEqual(ByteTokenBucket.defaultBurstBytes(bitsPerSecond: 1_000_000), 65_536)
        XCTAssertEqual(ByteTokenBucket.defaultBurstBytes(bitsPerSecond: 1), 65_536)
        XCTAssertEqual(ByteTokenBucket.defaultBurstBytes(bitsPerSecond: .max), ByteTokenBucket.maximumBurstBytes)
        XCTAssertEqual(ByteTokenBucket(bitsPerSecond: 20_000_000, now: 0).burstBytes, 500_000)
    }

    func testAScriptedTimeline() {
        // 1000 bytes a second, 1500 bytes of burst.
        var bucket = ByteTokenBucket(bitsPerSecond: 8_000, burstBytes: 1_500, now: 0)
        let script: [(at: UInt64, bytes: Int, admitted: Bool)] = [
            (0, 1_000, true), (0, 600, false), (0, 500, true), (0, 1, false),
            (1 * millisecond, 1, true), (1 * millisecond, 1, false),          // 8 bits earned in 1 ms
            (501 * millisecond, 500, true), (501 * millisecond, 1, false),    // 500 ms: 500 bytes
            (501 * millisecond + 124_999, 1, false),                          // 0.999992 bits: not a byte
            (502 * millisecond, 1, true), (502 * millisecond, 1, false),      // the fraction carried over
            (10 * second, 1_500, true), (10 * second, 1, false),              // a long gap fills, never more
            (10 * second, 1_501, false),                                      // larger than the burst: waits
            (11_500 * millisecond - 1, 1_501, false),                         // 11999 bits: not yet full
            (11_500 * millisecond, 1_501, true),                              // full: passes, empties it
            (11_500 * millisecond, 0, true), (11_500 * millisecond, 1, false),
        ]
        for (step, (at, bytes, admitted)) in script.enumerated() {
            XCTAssertEqual(bucket.admit(bytes: bytes, now: at), admitted, "step \(step): \(bytes) bytes at \(at) ns")
        }
        XCTAssertEqual(bucket.availableBits, 0)
    }

    func testFractionsOfABitAddUpExactly() {
        // 3 bits a second: a byte takes 8/3 s, i.e. the bucket is full again at 2_666_666_667 ns.
        var bucket = ByteTokenBucket(bitsPerSecond: 3, burstBytes: 1, now: 0)
        XCTAssertTrue(bucket.admit(bytes: 1, now: 0))
        for probe: UInt64 in [333_333_333, 333_333_334, 1_000_000_000, 2_000_000_000, 2_666_666_666] {
            XCTAssertFalse(bucket.admit(bytes: 1, now: probe), "at \(probe) ns")
        }
        XCTAssertEqual(bucket.availableBits, 7)
        XCTAssertTrue(bucket.admit(bytes: 1, now: 2_666_666_667))
    }

    func testTheClockStandingStillOrSteppingBackEarnsNothing() {
        var bucket = ByteTokenBucket(bitsPerSecond: 8_000, burstBytes: 1_000, now: 5 * second)
        XCTAssertTrue(bucket.admit(bytes: 1_000, now: 5 * second))
        XCTAssertFalse(bucket.admit(bytes: 1, now: 4 * second))
        XCTAssertFalse(bucket.admit(bytes: 1, now: 5 * second))
        XCTAssertTrue(bucket.admit(bytes: 1, now: 5 * second + millisecond))
    }

    func testTheLongRunAverageIsTheRate() {
        // 20 Mbit/s offered 1420-byte packets at twice that for 10 simulated seconds.
        let rate: UInt64 = 20_000_000
        let packet = 1_420
        let interval = UInt64(packet) * 8 * second / (2 * rate)  // 284 µs
        let start: UInt64 = 123 * second
        var bucket = ByteTokenBucket(bitsPerSecond: rate, now: start)
        var admittedBytes: UInt64 = 0
        var offered = 0
        var now = start
        while now < start + 10 * second {
            if bucket.admit(bytes: packet, now: now) { admittedBytes += UInt64(packet) }
            offered += 1
            now += interval
        }
        XCTAssertEqual(offered, 35_212)
        // The bucket starts full: its burst (200 ms at the rate) comes on top of the rate.
        let bitsPerSecond = Double((admittedBytes - bucket.burstBytes) * 8) / 10
        XCTAssertEqual(bitsPerSecond, Double(rate), accuracy: Double(rate) / 100, "within 1% of the cap")
        XCTAssertLessThanOrEqual(admittedBytes * 8, rate * 10 + bucket.burstBytes * 8, "never more than rate x time + burst")
        XCTAssertGreaterThanOrEqual(admittedBytes * 8, rate * 10 - UInt64(packet) * 8, "and no less than rate x time")
    }

    func testNoOverflowAfterYearsIdleOrAtTheClocksEnd() {
        let tenYears: UInt64 = 3_652 * 86_400 * second
        var bucket = ByteTokenBucket(bitsPerSecond: 20_000_000, now: 0)
        XCTAssertTrue(bucket.admit(bytes: 500_000, now: 0))
        XCTAssertFalse(bucket.admit(bytes: 1, now: 0))
        XCTAssertTrue(bucket.admit(bytes: 500_000, now: tenYears), "full again, and no fuller")
        XCTAssertFalse(bucket.admit(bytes: 1, now: tenYears))
        XCTAssertTrue(bucket.admit(bytes: 2_500, now: tenYears + millisecond), "20 Mbit/s for 1 ms is 2500 bytes")
        XCTAssertFalse(bucket.admit(bytes: 1, now: tenYears + millisecond))

        var late = ByteTokenBucket(bitsPerSecond: 20_000_000, now: .max - second)
        XCTAssertTrue(late.admit(bytes: 500_000, now: .max - second))
        XCTAssertTrue(late.admit(bytes: 500_000, now: .max))

        // The fastest cap there is, and the slowest, over the longest gap there is.
        var fastest = ByteTokenBucket(bitsPerSecond: .max, now: 0)
        XCTAssertTrue(fastest.admit(bytes: 65_536, now: 0))
        XCTAssertTrue(fastest.admit(bytes: Int.max, now: .max), "larger than any burst: passes from a full bucket")
        var slowest = ByteTokenBucket(bitsPerSecond: 1, burstBytes: ByteTokenBucket.maximumBurstBytes, now: 0)
        XCTAssertTrue(slowest.admit(bytes: 4_000_000_000, now: 0))
        XCTAssertTrue(slowest.admit(bytes: 1, now: .max - 1))  // 18_446_744_073.7 bits earned
        XCTAssertEqual(slowest.availableBits, ByteTokenBucket.maximumBurstBytes * 8 - 32_000_000_000 + 18_446_744_073 - 8)
    }

    func testAdmittingAllocatesNothing() {
        var bucket = ByteTokenBucket(bitsPerSecond: 20_000_000, now: 0)
        var admitted = 0
        tunnel_allocation_count_start()
        for i in 0..<100_000 {
            if bucket.admit(bytes: 1_420, now: UInt64(i) * 284_000) { admitted += 1 }
        }
        let allocations = tunnel_allocation_count_stop()
        XCTAssertEqual(allocations, 0)
        XCTAssertGreaterThan(admitted, 0)
    }
}
