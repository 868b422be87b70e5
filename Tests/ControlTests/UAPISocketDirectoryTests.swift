// Root makes and removes sockets in the control directory only when it is root's own
// (the running user's) and writable by no one else, and never follows a link there.
import XCTest
import Foundation
@testable import Control

final class UAPISocketDirectoryTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "uapi-trust-\(UUID())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: dir + "-link")
        try? FileManager.default.removeItem(atPath: dir)
    }

    func testAWritableDirectoryIsRefusedForServingAndRemoving() throws {
        XCTAssertEqual(chmod(dir, 0o777), 0)
        XCTAssertThrowsError(try ServerHarness(interface: "ttrust", directory: dir)) { error in
            XCTAssertEqual(error as? UAPIServerError, .directoryUntrusted(dir, reason: "group or others may write it (mode 777)"))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [], "no socket made")
        XCTAssertThrowsError(try UAPISocketDirectory.removeStaleSocket(interface: "ttrust", directory: dir))
    }

    func testALinkedDirectoryIsRefused() throws {
        try FileManager.default.createSymbolicLink(atPath: dir + "-link", withDestinationPath: dir)
        XCTAssertThrowsError(try ServerHarness(interface: "ttrust", directory: dir + "-link")) { error in
            XCTAssertEqual(error as? UAPIServerError, .directoryUntrusted(dir + "-link", reason: "it is a symbolic link"))
        }
    }

    func testOnlyAStaleSocketIsRemoved() throws {
        let path = UAPISocketPath.path(interface: "tfile", directory: dir)
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("keep".utf8)))
        XCTAssertThrowsError(try UAPISocketDirectory.removeStaleSocket(interface: "tfile", directory: dir)) { error in
            XCTAssertEqual(error as? UAPIServerError, .notASocket(path))
        }
        XCTAssertEqual(FileManager.default.contents(atPath: path), Data("keep".utf8))
        XCTAssertEqual(try UAPISocketDirectory.removeStaleSocket(interface: "tnone", directory: dir), false)
        XCTAssertThrowsError(try UAPISocketDirectory.removeStaleSocket(interface: "../x", directory: dir))
    }
}
