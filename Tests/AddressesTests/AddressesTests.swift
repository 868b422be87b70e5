import XCTest
@testable import Addresses

final class AddressesTests: XCTestCase {
    func testIPv4RoundTrip() {
        let a = IPv4Address("192.0.2.33")
        XCTAssertEqual(a?.value, 0xC000_0221)
        XCTAssertEqual(a?.description, "192.0.2.33")
        XCTAssertNil(IPv4Address("192.0.2"))
        XCTAssertNil(IPv4Address("192.0.2.256"))
    }

    func testIPv6RoundTrip() {
        let a = IPv6Address("2001:db8::1")
        XCTAssertEqual(a?.high, 0x2001_0db8_0000_0000)
        XCTAssertEqual(a?.low, 1)
        XCTAssertEqual(a?.description, "2001:db8::1")
        XCTAssertEqual(IPv6Address(bytes: a!.bytes), a)
        XCTAssertNil(IPv6Address("2001:db8:::1"))
    }

    func testPrefixParsingAndContainment() throws {
        let p = try IPPrefix(parsing: "198.51.100.7/24")
        XCTAssertEqual(p.network.description, "198.51.100.0/24")
        XCTAssertTrue(p.contains(IPAddress("198.51.100.200")!))
        XCTAssertFalse(p.contains(IPAddress("198.51.101.1")!))
        XCTAssertTrue(try IPPrefix(parsing: "0.0.0.0/0").contains(IPAddress("203.0.113.9")!))
        let v6 = try IPPrefix(parsing: "2001:db8:1::/48")
        XCTAssertTrue(v6.contains(IPAddress("2001:db8:1:ffff::1")!))
        XCTAssertFalse(v6.contains(IPAddress("2001:db8:2::1")!))
        XCTAssertFalse(v6.contains(IPAddress("192.0.2.1")!))
        XCTAssertEqual(try IPPrefix(parsing: "2001:db8::5").length, 128)
        XCTAssertEqual(try IPPrefix(parsing: "2001:db8::5/65").network.description, "2001:db8::/65")
        XCTAssertThrowsError(try IPPrefix(parsing: "192.0.2.0/33"))
        XCTAssertThrowsError(try IPPrefix(parsing: "192.0.2.0/+3"))
        XCTAssertThrowsError(try IPPrefix(parsing: "192.0.2.x/24"))
    }

    func testEndpoint() {
        XCTAssertEqual(Endpoint("192.0.2.1:51820")?.port, 51820)
        XCTAssertEqual(Endpoint("[2001:db8::1]:443")?.description, "[2001:db8::1]:443")
        XCTAssertNil(Endpoint("2001:db8::1:443"))
        XCTAssertNil(Endpoint("192.0.2.1:70000"))
        XCTAssertNil(Endpoint("192.0.2.1"))
    }
}
