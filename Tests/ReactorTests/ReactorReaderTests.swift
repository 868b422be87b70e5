import AllocationCounter
import Dispatch
import Reactor
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Readers run on the reactor's queue from the readiness loop's own thread: called again
/// while data is left, never after the reactor stopped, and without allocating per
/// wake-up (a lone packet is a wake-up of its own).
final class ReactorReaderTests: XCTestCase {
    private var pipeFDs: [Int32] = [-1, -1]
    private var reactor: Reactor!

    override func setUpWithError() throws {
        XCTAssertEqual(pipe(&pipeFDs), 0)
        _ = fcntl(pipeFDs[0], F_SETFL, fcntl(pipeFDs[0], F_GETFL) | O_NONBLOCK)
        reactor = Reactor(label: "reactor.reader.test")
    }

    override func tearDown() {
        reactor.stop()
        reactor.perform {}
        close(pipeFDs[0])
        close(pipeFDs[1])
    }

    private func writeBytes(_ count: Int) {
        let bytes = [UInt8](repeating: 7, count: count)
        XCTAssertEqual(bytes.withUnsafeBytes { write(pipeFDs[1], $0.baseAddress, count) }, count)
    }

    private func readOne() -> Bool {
        var byte: UInt8 = 0
        return read(pipeFDs[0], &byte, 1) == 1
    }

    func testAHandlerRunsOnTheQueueAndAgainWhileDataIsLeft() throws {
        let fiveReads = expectation(description: "five calls, one byte each")
        fiveReads.expectedFulfillmentCount = 5
        fiveReads.assertForOverFulfill = true
        var performedInline = 0
        try reactor.addReader(fd: pipeFDs[0]) { [unowned self] in
            dispatchPrecondition(condition: .onQueue(reactor.queue))
            // `perform` from a handler must run at once, not wait on the queue it holds.
            reactor.perform { performedInline += 1 }
            // One byte per call: the loop is level-triggered, so the rest comes next call.
            if readOne() { fiveReads.fulfill() }
        }
        writeBytes(5)
        wait(for: [fiveReads], timeout: 5)
        reactor.perform { XCTAssertEqual(performedInline, 5) }
    }

    func testNoHandlerRunsAfterTheReactorStopped() throws {
        // A handler that never reads is called over and over (level-triggered) until the
        // stop: the loop is mid-round when the stop runs on the queue.
        var calls = 0, callsAtStop = -1   // on the reactor's queue
        let running = DispatchSemaphore(value: 0)
        try reactor.addReader(fd: pipeFDs[0]) {
            calls += 1
            if calls == 100 { running.signal() }
        }
        reactor.onStop { callsAtStop = calls }
        writeBytes(1)
        XCTAssertEqual(running.wait(timeout: .now() + 5), .success, "called again while the byte is unread")
        reactor.stop()
        // Handlers run only from the readers' thread: once it has ended, none ran after the
        // stop and none ever will.
        XCTAssertTrue(reactor.waitUntilReadersEnded(deadline: .now() + 5), "the readers' thread ended")
        reactor.perform {
            XCTAssertGreaterThanOrEqual(callsAtStop, 100)
            XCTAssertEqual(calls, callsAtStop, "handler calls after stop")
        }
    }

    func testAWakeUpAllocatesNothing() throws {
        let warmUp = 50, counted = 200
        var calls = 0
        var allocations = -1
        let consumed = DispatchSemaphore(value: 0)
        try reactor.addReader(fd: pipeFDs[0]) { [unowned self] in
            guard readOne() else { return }
            calls += 1
            // Counting spans the loop's whole round between two calls: the wait in
            // epoll, the hop onto the queue and the handler's call.
            if calls == warmUp { tunnel_allocation_count_start() }
            if calls == warmUp + counted { allocations = tunnel_allocation_count_stop() }
            consumed.signal()
        }
        for _ in 0..<(warmUp + counted) {
            writeBytes(1)
            XCTAssertEqual(consumed.wait(timeout: .now() + 5), .success)
        }
        reactor.perform { XCTAssertEqual(allocations, 0, "allocations in \(counted) wake-ups") }
    }
}
