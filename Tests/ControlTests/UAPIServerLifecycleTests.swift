// The socket file's life: a stale file is replaced, the file is removed on stop, deleting
// it is noticed; an idle or trickling client is closed at its request's deadline, and
// clients that hold every connection cannot lock out a new one.
import XCTest
import Foundation
@testable import Control

final class UAPIServerLifecycleTests: XCTestCase {
    private let fast = UAPILimits(maxLineBytes: 1024, maxRequestBytes: 4096, maxConnections: 8,
                                  requestDeadlineSeconds: 0.2, pollIntervalSeconds: 0.05)

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
        harness.server.queue.sync { harness.server.onSocketRemoved = { removed.fulfill() } }
        XCTAssertEqual(unlink(harness.server.socketPath), 0)
        wait(for: [removed], timeout: 10)
    }

    /// The deadline in the server's own clock, which the test moves by hand: the poll is
    /// run at a moment just before and just after it, with no wall-clock waiting.
    private var deadline: UInt64 { UInt64(fast.requestDeadlineSeconds * 1e9) }
    private static let justBefore: UInt64 = 1_000_000   // 1 ms

    func testIdleClientIsClosedAtTheDeadlineAndNotBefore() throws {
        let clock = ManualClock()
        let harness = try ServerHarness(limits: fast, clock: clock.read)
        defer { harness.stop() }
        let idle = try RawConnection(path: harness.server.socketPath, timeout: 10)
        idle.send("set=1\n")
        waitForConnections(1, harness, "the client is accepted")
        clock.advance(by: deadline - Self.justBefore)
        harness.server.queue.sync { harness.server.poll() }
        XCTAssertEqual(harness.server.connectionCount, 1, "open until its deadline")
        clock.advance(by: 2 * Self.justBefore)
        harness.server.queue.sync { harness.server.poll() }
        XCTAssertEqual(harness.server.connectionCount, 0, "closed once past its deadline")
        XCTAssertTrue(idle.waitForClose(), "an idle half request must not hold the connection")
    }

    func testTricklingClientIsClosedAtTheDeadline() throws {
        let clock = ManualClock()
        let harness = try ServerHarness(limits: fast, clock: clock.read)
        defer { harness.stop() }
        let slow = try RawConnection(path: harness.server.socketPath, timeout: 10)
        waitForConnections(1, harness, "the client is accepted")
        // A byte now and then, the last one just before the deadline: sending is no reason
        // to stay, only an answered request starts a new deadline.
        for moment in [deadline / 2, deadline - Self.justBefore] {
            slow.send("s")
            clock.set(moment)
            harness.server.queue.sync { harness.server.poll() }
            XCTAssertEqual(harness.server.connectionCount, 1, "open at \(moment) ns")
        }
        slow.send("e")
        clock.set(deadline + Self.justBefore)
        harness.server.queue.sync { harness.server.poll() }
        XCTAssertEqual(harness.server.connectionCount, 0, "a client sending now and then is closed at its deadline")
        XCTAssertTrue(slow.waitForClose())
    }

    func testGetIsAnsweredWhileEveryConnectionTrickles() throws {
        // The deadline is far away: only making room can let the new client in.
        let limits = UAPILimits(maxLineBytes: 1024, maxRequestBytes: 4096, maxConnections: 8,
                                requestDeadlineSeconds: 60, pollIntervalSeconds: 0.05)
        let harness = try ServerHarness(limits: limits)
        defer { harness.stop() }
        let slow = try (0..<limits.maxConnections).map { _ in try RawConnection(path: harness.server.socketPath) }
        let trickle = Trickle(slow, every: 0.05)
        defer { trickle.stop() }
        waitForConnections(limits.maxConnections, harness, "every trickling client accepted")
        XCTAssertEqual(try harness.client(timeout: 5).getWithTunnelInfo(), harness.handler.device)
        // The client's own connection ends after its answer: one trickling client made room.
        waitForConnections(limits.maxConnections - 1, harness, "exactly one trickling client closed")
    }

    private func waitForConnections(_ count: Int, _ harness: ServerHarness, _ what: String) {
        let reached = expectation(description: what)
        DispatchQueue.global().async {
            while harness.server.connectionCount != count { usleep(5_000) }
            reached.fulfill()
        }
        wait(for: [reached], timeout: 10)
    }
}

/// Sends one byte of an endless first line to each connection every `interval`, from a
/// thread of its own, as a hostile slow client would.
private final class Trickle: @unchecked Sendable {
    private let lock = NSLock()
    private var running = true
    private var sent = 0

    init(_ connections: [RawConnection], every interval: Double) {
        Thread { [self] in
            while isRunning {
                for c in connections where c.send([UInt8(ascii: "a")]) == 1 { count() }
                usleep(UInt32(interval * 1e6))
            }
        }.start()
    }

    private var isRunning: Bool { lock.lock(); defer { lock.unlock() }; return running }
    private func count() { lock.lock(); sent += 1; lock.unlock() }
    var bytesSent: Int { lock.lock(); defer { lock.unlock() }; return sent }
    func stop() { lock.lock(); running = false; lock.unlock() }
}

/// A monotonic clock that moves only when the test says; read on the control queue.
private final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var nanoseconds: UInt64 = 1_000_000_000

    func read() -> UInt64 { lock.withLock { nanoseconds } }
    func advance(by delta: UInt64) { lock.withLock { nanoseconds += delta } }
    /// `offset` nanoseconds after where the clock started.
    func set(_ offset: UInt64) { lock.withLock { nanoseconds = 1_000_000_000 + offset } }
}
