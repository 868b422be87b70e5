// PeerRateLimiter: the two directions are separate buckets, drops are counted each way,
// the call through the PeerTrafficGate protocol (as the device and router make it)
// allocates nothing.
import AllocationCounter
import XCTest
@testable import DataPath
import WireGuard

final class PeerRateLimiterTests: XCTestCase {
    func testDirectionsAreSeparateAndDropsCounted() {
        let limiter = PeerRateLimiter(bitsPerSecond: 8_000_000, now: 0)  // 1 MB/s, burst 200 KB
        var up = 0, down = 0
        for _ in 0..<300 {
            if limiter.admitFromPeer(bytes: 1_000, now: 0) { up += 1 }
        }
        for _ in 0..<100 {
            if limiter.admitToPeer(bytes: 1_000, now: 0) { down += 1 }
        }
        XCTAssertEqual(up, 200, "the upload's burst")
        XCTAssertEqual(down, 100, "the download has its own bucket")
        XCTAssertEqual(limiter.droppedFromPeer, 100)
        XCTAssertEqual(limiter.droppedToPeer, 0)
        XCTAssertTrue(limiter.admitFromPeer(bytes: 1_000, now: 1_000_000), "1 ms later: 1000 bytes more")
        XCTAssertFalse(limiter.admitFromPeer(bytes: 1, now: 1_000_000))
    }

    func testCallsThroughTheGateAllocateNothing() {
        let gate: PeerTrafficGate = PeerRateLimiter(bitsPerSecond: 20_000_000, now: 0)
        var admitted = 0
        tunnel_allocation_count_start()
        for i in 0..<100_000 {
            if gate.admitToPeer(bytes: 1_420, now: UInt64(i) * 284_000) { admitted += 1 }
            if gate.admitFromPeer(bytes: 1_420, now: UInt64(i) * 284_000) { admitted += 1 }
        }
        XCTAssertEqual(tunnel_allocation_count_stop(), 0)
        XCTAssertGreaterThan(admitted, 0)
    }
}
