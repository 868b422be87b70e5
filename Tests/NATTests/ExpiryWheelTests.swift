// The timer wheel hands back entries when their tick comes, whatever the gaps between calls.
@testable import NAT
import XCTest

final class ExpiryWheelTests: XCTestCase {
    private let second: UInt64 = 1_000_000_000

    private func entry(_ slot: Int32) -> NATExpiryWheel.Entry {
        NATExpiryWheel.Entry(slot: slot, generation: 0, stamp: 0)
    }

    private func due(_ wheel: inout NATExpiryWheel, at now: UInt64) -> [Int32] {
        var out: [NATExpiryWheel.Entry] = []
        wheel.collectDue(upTo: now, into: &out)
        return out.map(\.slot).sorted()
    }

    func testEntriesComeDueAtTheirTick() {
        var wheel = NATExpiryWheel(tickLength: second, bucketCount: 16)
        wheel.schedule(entry(1), at: 5 * second, now: 0)
        wheel.schedule(entry(2), at: 9 * second, now: 0)
        XCTAssertEqual(due(&wheel, at: 4 * second), [])
        XCTAssertEqual(due(&wheel, at: 5 * second), [1])
        XCTAssertEqual(due(&wheel, at: 20 * second), [2])
        XCTAssertEqual(due(&wheel, at: 40 * second), [])
    }

    func testEntryBeyondOneTurnComesBackEarlyForARecheck() {
        var wheel = NATExpiryWheel(tickLength: second, bucketCount: 8)
        wheel.schedule(entry(1), at: 20 * second, now: 0)
        XCTAssertEqual(due(&wheel, at: 4 * second), [1], "bucket 20 % 8 = 4 is visited at tick 4")
    }

    func testPastExpiryGoesToTheNextTick() {
        var wheel = NATExpiryWheel(tickLength: second, bucketCount: 8)
        XCTAssertEqual(due(&wheel, at: 10 * second), [])
        wheel.schedule(entry(1), at: 3 * second, now: 10 * second)
        XCTAssertEqual(due(&wheel, at: 10 * second), [])
        XCTAssertEqual(due(&wheel, at: 11 * second), [1])
    }

    func testALongGapVisitsEveryBucketOnce() {
        var wheel = NATExpiryWheel(tickLength: second, bucketCount: 8)
        for slot in 1...6 { wheel.schedule(entry(Int32(slot)), at: UInt64(slot) * second, now: 0) }
        XCTAssertEqual(due(&wheel, at: 1000 * second), [1, 2, 3, 4, 5, 6])
    }
}
