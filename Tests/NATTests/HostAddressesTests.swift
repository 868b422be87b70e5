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
}
