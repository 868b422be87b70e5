// AllowedIPs against a brute-force reference, plus the edge cases of cryptokey routing.
import XCTest
import Addresses
@testable import WireGuard

/// A small seeded generator so every run sees the same "random" prefixes.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The reference: scan every prefix, keep the longest that contains the address.
struct BruteForceTable {
    var entries: [IPPrefix: Int] = [:]
    mutating func insert(_ p: IPPrefix, _ v: Int) { entries[p.network] = v }
    mutating func remove(_ p: IPPrefix) { entries[p.network] = nil }
    func lookup(_ a: IPAddress) -> Int? {
        entries.filter { $0.key.contains(a) }.max { $0.key.length < $1.key.length }?.value
    }
}

final class AllowedIPsTests: XCTestCase {
    private func p(_ text: String) -> IPPrefix { try! IPPrefix(parsing: text) }
    private func a(_ text: String) -> IPAddress { IPAddress(text)! }

    // MARK: random comparisons

    private func randomV4Prefix(_ rng: inout SplitMix64) -> IPPrefix {
        // A narrow top octet so prefixes nest and overlap often.
        let value = UInt32(10 + rng.next() % 3) << 24 | UInt32(truncatingIfNeeded: rng.next()) & 0x00ff_ffff
        return IPPrefix(address: .v4(IPv4Address(value)), length: Int(rng.next() % 33))
    }

    private func randomV6Prefix(_ rng: inout SplitMix64) -> IPPrefix {
        let high = 0x2001_0db8_0000_0000 | (rng.next() & 0x0000_0000_0003_ffff) << 14 | rng.next() & 0x3fff
        return IPPrefix(address: .v6(IPv6Address(high: high, low: rng.next())), length: Int(rng.next() % 129))
    }

    /// An address inside a random stored prefix (host bits random), or a fully random one.
    private func probe(near prefixes: [IPPrefix], _ rng: inout SplitMix64) -> IPAddress {
        let base = prefixes[Int(rng.next() % UInt64(prefixes.count))]
        switch base.network.address {
        case .v4(let n):
            let host: UInt32 = base.length == 32 ? 0 : UInt32(truncatingIfNeeded: rng.next()) >> UInt32(base.length)
            return rng.next() % 8 == 0 ? .v4(IPv4Address(UInt32(truncatingIfNeeded: rng.next()))) : .v4(IPv4Address(n.value | host))
        case .v6(let n):
            let (mh, ml) = AllowedIPsTests.mask128(base.length)
            return .v6(IPv6Address(high: n.high | (rng.next() & ~mh), low: n.low | (rng.next() & ~ml)))
        }
    }

    static func mask128(_ length: Int) -> (UInt64, UInt64) {
        let high: UInt64 = length == 0 ? 0 : (length >= 64 ? ~0 : ~UInt64(0) << UInt64(64 - length))
        let low: UInt64 = length <= 64 ? 0 : (length == 128 ? ~0 : ~UInt64(0) << UInt64(128 - length))
        return (high, low)
    }

    private func compareAgainstReference(makePrefix: (inout SplitMix64) -> IPPrefix, seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var table = AllowedIPs<Int>()
        var reference = BruteForceTable()
        var inserted: [IPPrefix] = []
        for round in 0..<3 {
            for _ in 0..<400 {
                let prefix = makePrefix(&rng)
                let peer = Int(rng.next() % 20)
                table.insert(prefix, peer)
                reference.insert(prefix, peer)
                inserted.append(prefix)
            }
            // Remove a random share, including prefixes never inserted.
            for _ in 0..<150 {
                let prefix = rng.next() % 4 == 0 ? makePrefix(&rng) : inserted[Int(rng.next() % UInt64(inserted.count))]
                let expected = reference.entries[prefix.network]
                XCTAssertEqual(table.remove(prefix), expected, "remove \(prefix) in round \(round)")
                reference.remove(prefix)
            }
            XCTAssertEqual(table.count, reference.entries.count)
            XCTAssertTrue(table.isWellFormed, "trie structure after round \(round)")
            for _ in 0..<3000 {
                let address = probe(near: inserted, &rng)
                XCTAssertEqual(table.lookup(address), reference.lookup(address), "lookup \(address)")
            }
        }
        for prefix in inserted { table.remove(prefix) }
        XCTAssertTrue(table.isEmpty)
        XCTAssertTrue(table.isWellFormed, "emptied trie")
        XCTAssertNil(table.lookup(probe(near: inserted, &rng)))
    }

    func testIPv4MatchesBruteForce() {
        compareAgainstReference(makePrefix: randomV4Prefix, seed: 4)
    }

    func testIPv6MatchesBruteForce() {
        compareAgainstReference(makePrefix: randomV6Prefix, seed: 6)
    }

    func testMixedFamiliesStaySeparate() {
        var table = AllowedIPs<Int>()
        table.insert(p("0.0.0.0/0"), 4)
        table.insert(p("::/0"), 6)
        XCTAssertEqual(table.lookup(a("203.0.113.9")), 4)
        XCTAssertEqual(table.lookup(a("2001:db8::9")), 6)
        // ::ffff:0:0/96 style addresses are IPv6 and must not match the IPv4 table.
        XCTAssertEqual(table.lookup(a("::ffff:10.0.0.1")), 6)
    }

    // MARK: edge lengths

    func testDefaultRoutesAndHostRoutes() {
        var table = AllowedIPs<String>()
        table.insert(p("0.0.0.0/0"), "default4")
        table.insert(p("::/0"), "default6")
        table.insert(p("100.64.0.7/32"), "host4")
        table.insert(p("2001:db8::7/128"), "host6")
        XCTAssertEqual(table.lookup(a("100.64.0.7")), "host4")
        XCTAssertEqual(table.lookup(a("100.64.0.6")), "default4")
        XCTAssertEqual(table.lookup(a("255.255.255.255")), "default4")
        XCTAssertEqual(table.lookup(a("2001:db8::7")), "host6")
        XCTAssertEqual(table.lookup(a("2001:db8::8")), "default6")
        XCTAssertEqual(table.lookup(a("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")), "default6")
    }

    func testEmptyTableFindsNothing() {
        let table = AllowedIPs<Int>()
        XCTAssertNil(table.lookup(a("10.0.0.1")))
        XCTAssertNil(table.lookup(a("::1")))
        XCTAssertTrue(table.isEmpty)
    }

    func testHostBitsAreIgnored() {
        var table = AllowedIPs<Int>()
        table.insert(p("10.1.2.3/8"), 1)
        XCTAssertEqual(table.prefixes(for: 1), [p("10.0.0.0/8")])
        XCTAssertEqual(table.lookup(a("10.200.0.1")), 1)
        XCTAssertEqual(table.remove(p("10.9.9.9/8")), 1)
        XCTAssertTrue(table.isEmpty)
    }

    // MARK: ownership

    func testInsertingAnExistingPrefixRepointsIt() {
        var table = AllowedIPs<String>()
        table.insert(p("100.64.0.0/24"), "alice")
        table.insert(p("100.64.0.0/24"), "bob")
        XCTAssertEqual(table.lookup(a("100.64.0.9")), "bob")
        XCTAssertEqual(table.prefixes(for: "alice"), [])
        XCTAssertEqual(table.prefixes(for: "bob"), [p("100.64.0.0/24")])
        XCTAssertEqual(table.count, 1)
    }

    func testRemovingAPrefixFallsBackToShorterMatch() {
        var table = AllowedIPs<String>()
        table.insert(p("10.0.0.0/8"), "wide")
        table.insert(p("10.1.0.0/16"), "narrow")
        XCTAssertEqual(table.lookup(a("10.1.2.3")), "narrow")
        XCTAssertEqual(table.remove(p("10.1.0.0/16")), "narrow")
        XCTAssertEqual(table.lookup(a("10.1.2.3")), "wide")
        XCTAssertNil(table.remove(p("10.1.0.0/16")), "already gone")
        XCTAssertNil(table.remove(p("10.0.0.0/9")), "never inserted")
    }

    func testRemoveAllForValue() {
        var table = AllowedIPs<String>()
        table.insert(p("10.0.0.0/8"), "alice")
        table.insert(p("2001:db8::/32"), "alice")
        table.insert(p("10.1.0.0/16"), "bob")
        table.insert(p("192.0.2.1/32"), "alice")
        table.removeAll(for: "alice")
        XCTAssertEqual(table.prefixes(for: "alice"), [])
        XCTAssertEqual(table.lookup(a("10.1.0.1")), "bob")
        XCTAssertNil(table.lookup(a("10.2.0.1")))
        XCTAssertNil(table.lookup(a("2001:db8::1")))
        XCTAssertNil(table.lookup(a("192.0.2.1")))
        XCTAssertEqual(table.count, 1)
        XCTAssertTrue(table.isWellFormed)
        // The freed value slot is reusable.
        table.insert(p("10.2.0.0/16"), "carol")
        XCTAssertEqual(table.lookup(a("10.2.0.1")), "carol")
        XCTAssertEqual(table.lookup(a("10.1.0.1")), "bob")
    }

    func testPrefixesForValueListsBothFamiliesInOrder() {
        var table = AllowedIPs<Int>()
        table.insert(p("2001:db8::/64"), 1)
        table.insert(p("10.0.0.0/24"), 1)
        table.insert(p("10.0.0.0/8"), 1)
        table.insert(p("10.0.1.0/24"), 2)
        XCTAssertEqual(table.prefixes(for: 1), [p("10.0.0.0/8"), p("10.0.0.0/24"), p("2001:db8::/64")])
        XCTAssertEqual(table.entries.count, 4)
    }

    // MARK: raw lookups

    func testNumericAndBufferLookupsAgree() {
        var table = AllowedIPs<Int>()
        table.insert(p("192.0.2.0/24"), 4)
        table.insert(p("2001:db8:1::/48"), 6)
        XCTAssertEqual(table.lookup(ipv4: IPv4Address(192, 0, 2, 77).value), 4)
        let v6 = IPv6Address("2001:db8:1::5")!
        XCTAssertEqual(table.lookup(ipv6High: v6.high, low: v6.low), 6)

        // An IPv4 header's destination at offset 16, read in place at an odd base.
        var packet = [UInt8](repeating: 0, count: 21)
        packet[17...20] = [192, 0, 2, 77]
        packet.withUnsafeBytes { raw in
            XCTAssertEqual(table.lookup(ipv4NetworkBytes: raw, at: 17), 4)
            XCTAssertNil(table.lookup(ipv4NetworkBytes: raw, at: 18), "too short: no read past the end")
        }
        var packet6 = [UInt8](repeating: 0, count: 40)
        packet6[24..<40] = v6.bytes[...]
        packet6.withUnsafeBytes { raw in
            XCTAssertEqual(table.lookup(ipv6NetworkBytes: raw, at: 24), 6)
            XCTAssertNil(table.lookup(ipv6NetworkBytes: raw, at: 25))
            XCTAssertNil(table.lookup(ipv6NetworkBytes: raw, at: -1))
        }
    }
}
