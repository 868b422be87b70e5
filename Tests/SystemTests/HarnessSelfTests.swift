import XCTest

/// The harness itself: namespaces come and go, links carry traffic.
final class HarnessSelfTests: XCTestCase {
    func testTopologyBuildsAndTearsDown() throws {
        try requireSystemTestPrerequisites(tools: ["ping"])
        let topo = try Topology("""
            a eth0 192.0.2.1/24 2001:db8:1::1/64 -- b eth0 192.0.2.2/24 2001:db8:1::2/64
            """)
        let names = [topo.ns("a"), topo.ns("b")]
        let listed = try Command.check(["ip", "netns", "list"])
        for n in names { XCTAssertTrue(listed.contains(n), "\(n) exists while the test runs") }
        try topo.run("a", "ping", "-c", "1", "-W", "2", "192.0.2.2")
        try topo.run("a", "ping", "-c", "1", "-W", "2", "2001:db8:1::2")
        topo.teardown()
        let after = try Command.check(["ip", "netns", "list"])
        for n in names { XCTAssertFalse(after.contains(n), "\(n) is removed at teardown") }
    }
}
