// SpecialAddress: every block's first and last address, the neighbours just outside each
// block, both families, and IPv4-mapped IPv6 judged by the IPv4 address inside.
import XCTest
@testable import Addresses

final class SpecialAddressTests: XCTestCase {
    private func kind(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> SpecialAddress? {
        guard let address = IPAddress(text) else {
            XCTFail("'\(text)' does not parse", file: file, line: line)
            return nil
        }
        return SpecialAddress(address)
    }

    private func assertKinds(_ expected: [String: SpecialAddress?], file: StaticString = #filePath, line: UInt = #line) {
        for (text, want) in expected.sorted(by: { $0.key < $1.key }) {
            XCTAssertEqual(kind(text, file: file, line: line), want, text, file: file, line: line)
        }
    }

    func testIPv4BlocksAndTheirEdges() {
        assertKinds([
            "0.0.0.0": .unspecified, "0.255.255.255": .unspecified, "1.0.0.0": nil,
            "126.255.255.255": nil, "127.0.0.0": .loopback, "127.0.0.1": .loopback, "127.255.255.255": .loopback,
            "128.0.0.0": nil,
            "169.253.255.255": nil, "169.254.0.0": .linkLocal, "169.254.255.255": .linkLocal, "169.255.0.0": nil,
            "223.255.255.255": nil, "224.0.0.0": .multicast, "224.0.0.1": .multicast, "239.255.255.255": .multicast,
            "240.0.0.0": nil, "255.255.255.254": nil, "255.255.255.255": .broadcast,
        ])
    }

    func testOrdinaryIPv4AddressesAreNotSpecial() {
        assertKinds(["192.0.2.1": nil, "198.51.100.2": nil, "203.0.113.9": nil, "100.64.0.1": nil, "10.0.0.1": nil,
                     "8.8.8.8": nil])
    }

    func testIPv6BlocksAndTheirEdges() {
        assertKinds([
            "::": .unspecified, "::1": .loopback, "::2": nil,
            "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff": nil, "fe80::": .linkLocal, "fe80::1": .linkLocal,
            "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff": .linkLocal, "fec0::": nil,
            "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff": nil, "ff00::": .multicast, "ff02::1": .multicast,
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff": .multicast,
            "2001:db8::1": nil, "fd00::1": nil, "1::1": nil, "0:0:0:1::1": nil,
        ])
    }

    func testIPv4MappedIPv6IsJudgedByTheIPv4AddressInside() {
        assertKinds([
            "::ffff:127.0.0.1": .loopback, "::ffff:127.255.255.255": .loopback, "::ffff:0.0.0.0": .unspecified,
            "::ffff:224.0.0.1": .multicast, "::ffff:255.255.255.255": .broadcast, "::ffff:169.254.1.1": .linkLocal,
            "::ffff:198.51.100.2": nil, "::ffff:128.0.0.0": nil,
            // Next to the mapped block: ::fffe:... and ::1:ffff:... are neither mapped nor special.
            "::fffe:7f00:1": nil, "::1:ffff:7f00:1": nil,
        ])
    }

    func testTheFamilyInitsAgreeWithTheEnum() {
        XCTAssertEqual(SpecialAddress(IPv4Address(127, 0, 0, 1)), .loopback)
        XCTAssertNil(SpecialAddress(IPv4Address(192, 0, 2, 1)))
        XCTAssertEqual(SpecialAddress(IPv6Address(high: 0, low: 1)), .loopback)
        XCTAssertEqual(SpecialAddress(IPv6Address(high: 0xFE80_0000_0000_0000, low: 0)), .linkLocal)
        XCTAssertEqual(SpecialAddress.allCases.map(\.description),
                       ["loopback", "unspecified", "multicast", "broadcast", "link-local"])
    }
}
