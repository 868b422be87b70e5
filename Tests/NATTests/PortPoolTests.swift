// The port pool's allocation strategy: preservation, a rotating cursor, and fullness.
@testable import NAT
import XCTest

final class PortPoolTests: XCTestCase {
    func testPreferredPortIsTakenWhenFreeAndInRange() {
        var pool = NATPortPool(range: 100...109)
        XCTAssertEqual(pool.allocate(preferred: 105, owner: 1), 105)
        XCTAssertEqual(pool.owner(of: 105), 1)
        XCTAssertEqual(pool.allocate(preferred: 105, owner: 2), 100, "taken: the cursor's port instead")
        XCTAssertEqual(pool.allocate(preferred: 5000, owner: 3), 101, "outside the range: the cursor's port")
    }

    func testCursorRotatesSoFreedPortsAreReusedLast() {
        var pool = NATPortPool(range: 100...102)
        XCTAssertEqual(pool.allocate(preferred: 0, owner: 1), 100)
        XCTAssertEqual(pool.allocate(preferred: 0, owner: 2), 101)
        pool.release(100)
        XCTAssertEqual(pool.allocate(preferred: 0, owner: 3), 102)
        XCTAssertEqual(pool.allocate(preferred: 0, owner: 4), 100, "wrapped round to the freed port")
        XCTAssertEqual(pool.inUse, 3)
        XCTAssertNil(pool.allocate(preferred: 0, owner: 5), "full")
    }

    func testReleaseIsIdempotentAndIgnoresForeignPorts() {
        var pool = NATPortPool(range: 100...101)
        _ = pool.allocate(preferred: 100, owner: 1)
        pool.release(100)
        pool.release(100)
        pool.release(7)
        XCTAssertEqual(pool.inUse, 0)
        XCTAssertNil(pool.owner(of: 100))
        XCTAssertNil(pool.owner(of: 7))
    }

    func testStartCursorOffsetsTheSequence() {
        var pool = NATPortPool(range: 100...109)
        pool.startCursor(at: 13)
        XCTAssertEqual(pool.allocate(preferred: 0, owner: 1), 103)
    }
}
