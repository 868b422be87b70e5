// The socket file's life: a stale file is replaced, the file is removed on stop, deleting
// it is noticed, and an idle client is closed.
import XCTest
import Foundation
@testable import Control

final class UAPIServerLifecycleTests: XCTestCase {
    private let fast = UAPILimits(maxLineBytes: 1024, maxRequestBytes: 4096, maxConnections: 8,
                                  idleTimeoutSeconds: 0.2, pollIntervalSeconds: 0.05)

    func testStaleSocketIsReplaced() throws {
        let dir = NSTemporaryDirectory() + "uapi-stale-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = UAPISocketPath.path(interface: "tstale", directory: dir)
        // A bound socket that never listens stands for one a crashed process left.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        close(fd)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
        let harness = try ServerHarness(interface: "tstale", directory: dir)
        XCTAssertNoThrow(try harness.client().get())
        harness.stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    func testRegularFileInTheWayIsNotDeleted() throws {
        let dir = NSTemporaryDirectory() + "uapi-file-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = UAPISocketPath.path(interface: "tfile", directory: dir)
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("keep".utf8)))
        XCTAssertThrowsError(try ServerHarness(interface: "tfile", directory: dir)) { error in
            XCTAssertEqual(error as? UAPIServerError, .notASocket(path))
        }
        XCTAssertEqual(FileManager.default.contents(atPath: path), Data("keep".utf8))
        try? FileManager.default.removeItem(atPath: dir)
    }

    func testStopRemovesTheSocketFile() throws {
        let harness = try ServerHarness()
        let path = harness.server.socketPath
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
        harness.reactor.stop()
        let gone = expectation(description: "socket removed")
        DispatchQueue.global().async {
            while FileManager.default.fileExists(atPath: path) { usleep(10_000) }
            gone.fulfill()
        }
        wait(for: [gone], timeout: 10)
        harness.stop()
    }

    func testDeletingTheSocketFileIsReported() throws {
        let harness = try ServerHarness(limits: fast)
        defer { harness.stop() }
        let removed = expectation(description: "onSocketRemoved")
        harness.reactor.perform { harness.server.onSocketRemoved = { removed.fulfill() } }
        XCTAssertEqual(unlink(harness.server.socketPath), 0)
        wait(for: [removed], timeout: 10)
    }

    func testIdleClientIsClosed() throws {
        let harness = try ServerHarness(limits: fast)
        defer { harness.stop() }
        let idle = try RawConnection(path: harness.server.socketPath, timeout: 10)
        idle.send("set=1\n")
        XCTAssertTrue(idle.waitForClose(), "an idle half request must not hold the connection")
    }
}
