// HostAddresses: the host's ordinary addresses, with the special-purpose ones (which a
// client never reaches and the host never talks to a client from) left out.
import Addresses
import NAT
import XCTest

final class HostAddressesTests: XCTestCase {
    func testKeepsOrdinaryAddressesAndLeavesOutSpecialOnes() {
        let listed = ["127.0.0.1", "::1", "192.0.2.1", "198.51.100.1", "100.64.0.1", "fe80::1", "2001:db8:51::1",
                      "169.254.3.4", "192.0.2.1"].map { IPAddress($0)! }
        let host = HostAddresses(listed)
        XCTAssertEqual(host.count, 4, "the duplicate once, the four special ones left out")
        for kept in ["192.0.2.1", "198.51.100.1", "100.64.0.1", "2001:db8:51::1"] {
            XCTAssertTrue(host.contains(IPAddress(kept)!), kept)
        }
        for left in ["127.0.0.1", "::1", "fe80::1", "169.254.3.4", "192.0.2.2", "::ffff:192.0.2.1"] {
            XCTAssertFalse(host.contains(IPAddress(left)!), left)
        }
        XCTAssertEqual(host, HostAddresses(listed.reversed()), "order does not matter")
        XCTAssertNotEqual(host, HostAddresses([]))
    }

    /// Each IPv4 subnet up to /30 has a broadcast address (its last); /31, /32 and IPv6 none;
    /// 127.0.0.1/8's is loopback and stays out.
    func testSubnetBroadcastAddressesComeFromThePrefixes() throws {
        let interfaces = try ["192.0.2.1/25", "198.51.100.1/24", "203.0.113.5/30", "203.0.113.8/31", "203.0.113.20/32",
                              "10.0.0.1/8", "2001:db8:51::1/64", "127.0.0.1/8"].map { try IPPrefix(parsing: $0) }
        let host = HostAddresses(interfaces: interfaces)
        let broadcasts = ["192.0.2.127", "198.51.100.255", "203.0.113.7", "10.255.255.255"]
        for address in broadcasts { XCTAssertTrue(host.isBroadcast(IPAddress(address)!), address) }
        for address in ["192.0.2.126", "192.0.2.128", "192.0.2.255", "198.51.100.254", "203.0.113.6", "203.0.113.9",
                        "203.0.113.20", "203.0.113.21", "2001:db8:51::ffff:ffff:ffff:ffff", "127.255.255.255"] {
            XCTAssertFalse(host.isBroadcast(IPAddress(address)!), address)
        }
        XCTAssertEqual(host.count, 7, "every address but loopback")
        for address in broadcasts { XCTAssertFalse(host.contains(IPAddress(address)!), "\(address) is no host address") }
        XCTAssertFalse(HostAddresses(interfaces.map(\.address)).isBroadcast(IPAddress("192.0.2.127")!),
                       "addresses alone know no subnets")
    }
}
