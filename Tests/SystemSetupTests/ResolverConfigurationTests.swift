// resolv.conf text, and the file written in place (same inode) and read back.
import Addresses
import Foundation
import XCTest
@testable import SystemSetup

final class ResolverConfigurationTests: XCTestCase {
    func testRendersNameserversThenSearch() {
        let resolver = ResolverConfiguration(servers: [IPAddress("100.64.0.1")!, IPAddress("2001:db8::53")!],
                                             searchDomains: ["corp.example", "example.net"])
        XCTAssertEqual(resolver.render(interfaceName: "tunnel0"), """
            # Written by tunnel for tunnel0; the original comes back when the tunnel stops.
            nameserver 100.64.0.1
            nameserver 2001:db8::53
            search corp.example example.net

            """)
    }

    func testNoSearchLineWithoutDomains() {
        let text = ResolverConfiguration(servers: [IPAddress("192.0.2.53")!]).render(interfaceName: "t")
        XCTAssertFalse(text.contains("search"), text)
        XCTAssertTrue(text.hasSuffix("nameserver 192.0.2.53\n"), text)
    }

    func testOverwriteKeepsTheInodeAndReadsBack() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("resolv-\(UUID()).conf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = ResolvConfFile(path: path)
        XCTAssertNil(try file.read(), "a missing file reads as nil")
        try file.overwrite(with: "nameserver 192.0.2.53\nnameserver 192.0.2.54\noptions edns0\n")
        let inode = try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? UInt64
        try file.overwrite(with: "nameserver 100.64.0.1\n")
        XCTAssertEqual(try file.read(), "nameserver 100.64.0.1\n", "shorter content truncates the rest")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? UInt64, inode,
                       "written in place, not renamed over")
        try file.remove()
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        XCTAssertNoThrow(try file.remove(), "removing a missing file is fine")
    }

    func testUnwritablePathIsAOneLineError() {
        XCTAssertThrowsError(try ResolvConfFile(path: "/nonexistent-dir/resolv.conf").overwrite(with: "x")) { error in
            XCTAssertEqual("\(error)", "cannot write /nonexistent-dir/resolv.conf: No such file or directory")
        }
    }
}
