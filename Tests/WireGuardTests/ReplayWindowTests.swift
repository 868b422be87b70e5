// The replay window on its own, following the kernel's selftest pattern.
import XCTest
@testable import WireGuard

final class ReplayWindowTests: XCTestCase {
    func testKernelStyleSequence() {
        var w = ReplayWindow()
        let window = ReplayWindow.windowSize
        let steps: [(UInt64, Bool)] = [
            (0, true), (1, true), (1, false), (9, true), (8, true), (7, true), (7, false),
            (window, true), (window - 1, true), (window - 2, true), (2, true), (2, false),
            (window + 16, true), (3, false), (window + 16, false), (window * 4, true),
            (window * 4 - (window - 1), true), (10, false),
            // The oldest counter still judged: exactly windowSize behind the newest.
            (window * 4 - window, true), (window * 4 - window - 1, false),
            (window * 4 - (window - 1), false), (0, false),
        ]
        for (n, (counter, expected)) in steps.enumerated() {
            XCTAssertEqual(w.accept(counter), expected, "step \(n): counter \(counter)")
        }
    }

    func testCheckDoesNotRecord() {
        var w = ReplayWindow()
        XCTAssertNil(w.check(5))
        XCTAssertNil(w.check(5), "check alone never marks a counter seen")
        XCTAssertTrue(w.accept(5))
        XCTAssertEqual(w.check(5), .replayed)
        XCTAssertEqual(w.greatestAccepted, 5)
    }

    func testReasons() {
        var w = ReplayWindow()
        w.accept(20_000)
        XCTAssertEqual(w.check(20_000 - ReplayWindow.windowSize - 2), .tooOld)
        XCTAssertNil(w.check(20_000 - ReplayWindow.windowSize + 1))
        XCTAssertEqual(w.check(ProtocolConstants.rejectAfterMessages), .counterLimit)
        XCTAssertEqual(w.check(UInt64.max), .counterLimit)
        XCTAssertNil(w.check(ProtocolConstants.rejectAfterMessages - 1))
    }

    func testLargeJumpClearsTheWholeRing() {
        var w = ReplayWindow()
        for c in UInt64(0)..<3000 { XCTAssertTrue(w.accept(c)) }
        XCTAssertTrue(w.accept(1_000_000))
        // Counters inside the new window that were never seen must be accepted, even where
        // their bits alias old ones.
        for c in UInt64(1_000_000 - 3000)..<1_000_000 { XCTAssertTrue(w.accept(c), "counter \(c)") }
    }

    func testEveryCounterInWindowOnceWhenArrivingBackwards() {
        var w = ReplayWindow()
        let top = ReplayWindow.windowSize + 500
        XCTAssertTrue(w.accept(top))
        var accepted = 0
        for c in stride(from: top - 1, through: 0, by: -1) where w.accept(c) { accepted += 1 }
        XCTAssertEqual(UInt64(accepted), ReplayWindow.windowSize, "exactly the window behind the newest")
    }
}
