// Receiver index allocation and lookup.
import XCTest
@testable import WireGuard

final class IndexTableTests: XCTestCase {
    func testInsertLookupReplaceRemove() {
        var table = IndexTable<String>()
        let a = table.insert("handshake")
        XCTAssertNotEqual(a, 0)
        XCTAssertEqual(table.lookup(a), "handshake")
        XCTAssertTrue(table.replace(a, with: "keypair"))
        XCTAssertEqual(table.lookup(a), "keypair")
        XCTAssertFalse(table.replace(a &+ 1, with: "x"))
        XCTAssertEqual(table.remove(a), "keypair")
        XCTAssertNil(table.lookup(a))
        XCTAssertEqual(table.count, 0)
    }

    func testCollisionsAndZeroAreSkipped() {
        var table = IndexTable<Int>()
        var script: [UInt32] = [7, 0, 7, 7, 8]
        let first = table.insert(1) { script.removeFirst() }
        let second = table.insert(2) { script.removeFirst() }
        XCTAssertEqual(first, 7)
        XCTAssertEqual(second, 8, "0 and the taken 7 were skipped")
        XCTAssertEqual(table.lookup(7), 1)
        XCTAssertEqual(table.lookup(8), 2)
    }

    func testManyRandomIndicesAreDistinct() {
        var table = IndexTable<Int>()
        let indices = (0..<5000).map { table.insert($0) }
        XCTAssertEqual(Set(indices).count, 5000)
        for (owner, index) in indices.enumerated() { XCTAssertEqual(table.lookup(index), owner) }
    }
}
