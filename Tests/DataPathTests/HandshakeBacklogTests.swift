import Addresses
import XCTest
@testable import DataPath

final class HandshakeBacklogTests: XCTestCase {
    private func message(_ n: Int, length: Int = 148) -> [UInt8] {
        [1, 0, 0, 0] + (0..<(length - 4)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ n) }
    }

    private func endpoint(_ n: Int) -> Endpoint { Endpoint("192.0.2.\(n % 250 + 1):\(1000 + n)")! }

    func testMessagesComeOutInOrderWithTheirSourcesAcrossTheRingsEnd() {
        let backlog = HandshakeBacklog()
        var popped: [([UInt8], Endpoint)] = []
        func popOne() {
            XCTAssertTrue(backlog.pop { buffer, length, source in popped.append((Array(buffer[0..<length]), source)) })
        }
        // Fill and drain in steps so the ring wraps around more than once.
        var pushed = 0
        for _ in 0..<3 {
            for _ in 0..<(HandshakeBacklog.capacity - 10) {
                let length = [148, 92, 64][pushed % 3]
                XCTAssertTrue(message(pushed, length: length).withUnsafeBytes { backlog.push($0, from: endpoint(pushed)) })
                pushed += 1
            }
            while backlog.count > 5 { popOne() }
        }
        while !backlog.isEmpty { popOne() }
        XCTAssertFalse(backlog.pop { _, _, _ in XCTFail("the backlog is empty") })
        XCTAssertEqual(popped.count, pushed)
        for (i, (bytes, source)) in popped.enumerated() {
            XCTAssertEqual(bytes, message(i, length: [148, 92, 64][i % 3]), "message \(i)")
            XCTAssertEqual(source, endpoint(i))
        }
    }

    func testAFullBacklogRefusesMoreAndADeepOneMeansUnderLoad() {
        let backlog = HandshakeBacklog()
        for i in 0..<HandshakeBacklog.capacity {
            XCTAssertEqual(backlog.isUnderLoad, i >= HandshakeBacklog.underLoadDepth, "at depth \(i)")
            XCTAssertTrue(message(i).withUnsafeBytes { backlog.push($0, from: endpoint(i)) })
        }
        XCTAssertFalse(message(0).withUnsafeBytes { backlog.push($0, from: endpoint(0)) })
        XCTAssertEqual(backlog.count, HandshakeBacklog.capacity)
    }

    func testAMessageLongerThanAnyHandshakeIsNotTaken() {
        let backlog = HandshakeBacklog()
        XCTAssertFalse(message(0, length: 149).withUnsafeBytes { backlog.push($0, from: endpoint(0)) })
        XCTAssertTrue(backlog.isEmpty)
    }
}
