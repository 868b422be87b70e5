// Each value's own list of prefixes, which listing and removing one peer's prefixes use
// instead of a walk over the whole trie: after any mix of inserts, re-pointing inserts and
// removals it must equal exactly what a brute-force model says that value holds.
import XCTest
import Addresses
@testable import WireGuard

final class AllowedIPsPerValueTests: XCTestCase {
    private func p(_ text: String) -> IPPrefix { try! IPPrefix(parsing: text) }

    /// The model: prefix (network) to value.
    private func expected(_ model: [IPPrefix: Int], for value: Int) -> Set<IPPrefix> {
        Set(model.filter { $0.value == value }.keys)
    }

    private func randomPrefix(_ rng: inout SplitMix64) -> IPPrefix {
        if rng.next() % 4 == 0 {
            let high = 0x2001_0db8_0000_0000 | (rng.next() & 0xff) << 16
            return IPPrefix(address: .v6(IPv6Address(high: high, low: rng.next() & 0xff)), length: [48, 64, 128][Int(rng.next() % 3)])
        }
        let value = 0x6440_0000 | UInt32(truncatingIfNeeded: rng.next()) & 0x0000_03ff
        return IPPrefix(address: .v4(IPv4Address(value)), length: [22, 24, 30, 32][Int(rng.next() % 4)])
    }

    func testListingsFollowInsertsRepointsAndRemovals() {
        var rng = SplitMix64(seed: 99)
        var table = AllowedIPs<Int>()
        var model: [IPPrefix: Int] = [:]
        let values = 0..<40
        for step in 0..<6000 {
            let prefix = randomPrefix(&rng)
            let value = Int(rng.next() % UInt64(values.count))
            switch rng.next() % 10 {
            case 0..<6:
                table.insert(prefix, value)
                model[prefix.network] = value
            case 6..<9:
                XCTAssertEqual(table.remove(prefix), model.removeValue(forKey: prefix.network), "step \(step)")
            default:
                table.removeAll(for: value)
                model = model.filter { $0.value != value }
            }
        }
        XCTAssertTrue(table.isWellFormed)
        XCTAssertEqual(table.count, model.count)
        for value in values {
            let listed = table.prefixes(for: value)
            XCTAssertEqual(Set(listed), expected(model, for: value), "value \(value)")
            XCTAssertEqual(listed.count, Set(listed).count, "no prefix listed twice")
        }
        XCTAssertEqual(table.entries.count, model.count)
        for (prefix, value) in model { XCTAssertEqual(table.value(exactly: prefix), value) }
    }

    func testListingIsSortedLikeEntriesAndEqualsWhatWasInserted() {
        var table = AllowedIPs<Int>()
        let inserted = ["2001:db8::/64", "100.64.0.9/32", "10.0.0.0/8", "100.64.0.0/24", "2001:db8::1/128", "10.0.0.0/16"].map(p)
        for prefix in inserted { table.insert(prefix, 1) }
        table.insert(p("100.64.0.0/16"), 2)
        XCTAssertEqual(table.prefixes(for: 1), table.entries.filter { $0.value == 1 }.map(\.prefix))
        XCTAssertEqual(Set(table.prefixes(for: 1)), Set(inserted))
        XCTAssertEqual(table.prefixes(for: 2), [p("100.64.0.0/16")])
    }

    func testRepointedPrefixLeavesItsOldOwnersList() {
        var table = AllowedIPs<String>()
        table.insert(p("192.0.2.0/24"), "alice")
        table.insert(p("198.51.100.0/24"), "alice")
        table.insert(p("192.0.2.0/24"), "bob")
        XCTAssertEqual(table.prefixes(for: "alice"), [p("198.51.100.0/24")])
        XCTAssertEqual(table.prefixes(for: "bob"), [p("192.0.2.0/24")])
        table.removeAll(for: "alice")
        XCTAssertEqual(table.lookup(IPAddress("192.0.2.1")!), "bob", "removing alice left bob's prefix alone")
        XCTAssertEqual(table.count, 1)
        // Inserting the same prefix for the same value twice counts once.
        table.insert(p("192.0.2.0/24"), "bob")
        XCTAssertEqual(table.count, 1)
        XCTAssertEqual(table.prefixes(for: "bob"), [p("192.0.2.0/24")])
    }

    func testRemovingOnePeerOfThousandsLeavesTheOthersIntact() {
        var table = AllowedIPs<Int>()
        for peer in 0..<4000 {
            table.insert(IPPrefix(address: .v4(IPv4Address(0x6440_0000 | UInt32(peer + 2))), length: 32), peer)
            table.insert(IPPrefix(address: .v6(IPv6Address(high: 0x2001_0db8_0000_0000, low: UInt64(peer + 2))), length: 128), peer)
        }
        table.removeAll(for: 1234)
        XCTAssertEqual(table.count, 7998)
        XCTAssertEqual(table.prefixes(for: 1234), [])
        XCTAssertNil(table.lookup(ipv4: 0x6440_0000 | 1236))
        XCTAssertEqual(table.prefixes(for: 1235), [IPPrefix(address: .v4(IPv4Address(0x6440_0000 | 1237)), length: 32),
                                                   IPPrefix(address: .v6(IPv6Address(high: 0x2001_0db8_0000_0000, low: 1237)), length: 128)])
        XCTAssertTrue(table.isWellFormed)
    }
}
