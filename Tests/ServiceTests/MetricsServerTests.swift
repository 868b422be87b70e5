// The --metrics endpoint against hostile and slow clients, in-process on 127.0.0.1 with
// a fixed scrape: an endless header line is cut off by the size limit (not a timer), a
// trickling client is closed at its deadline although it is never idle, idle connections
// past the cap make room for a scrape, the listener survives running out of descriptors,
// and both of its threads run at background priority.
import Addresses
import Logging
import XCTest
@testable import Service
import Status
#if canImport(Glibc)
import Glibc
#endif

final class MetricsServerTests: XCTestCase {
    static let body = "tunnel_test_metric 1\n"
    static let get = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/plain\r\n\r\n"

    private var servers: [MetricsServer] = []

    override func tearDown() {
        for s in servers { s.close() }
        servers = []
        super.tearDown()
    }

    private func start(_ limits: MetricsLimits) throws -> MetricsServer {
        let server = try MetricsServer.start(listen: Endpoint(address: .v4(IPv4Address(127, 0, 0, 1)), port: 0),
                                             limits: limits, logger: Logger(label: "metrics-test")) {
            MetricsResponse(status: 200, contentType: PrometheusRenderer.contentType, body: MetricsServerTests.body)
        }
        servers.append(server)
        return server
    }

    /// Waits until the server's counters satisfy `condition` (or 20 s pass), returns them.
    private func stats(of server: MetricsServer, until condition: (MetricsServerStats) -> Bool) throws -> MetricsServerStats {
        let end = Date().addingTimeInterval(20)
        var s = try server.stats()
        while !condition(s) && Date() < end {
            var nothing = pollfd()
            _ = poll(&nothing, 0, 10)
            s = try server.stats()
        }
        return s
    }

    /// One scrape on a new connection: the whole answer, as text.
    private func scrape(_ server: MetricsServer, request: String = MetricsServerTests.get) throws -> String {
        let c = try RawTCPConnection(port: server.localPort)
        XCTAssertTrue(c.send(request))
        let answer = c.readAll(timeout: 10)
        XCTAssertTrue(answer.closed, "the server closes after one answer")
        return String(decoding: answer.bytes, as: UTF8.self)
    }

    private func expectMetricsAnswer(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 200 OK\r\n"), text, file: file, line: line)
        XCTAssertTrue(text.contains("\r\nContent-Type: \(PrometheusRenderer.contentType)\r\n"), text, file: file, line: line)
        XCTAssertTrue(text.hasSuffix("\r\n\r\n" + MetricsServerTests.body), text, file: file, line: line)
    }

    func testScrapeAndOtherPathsAreAnswered() throws {
        let server = try start(.standard)
        expectMetricsAnswer(try scrape(server))
        XCTAssertTrue(try scrape(server, request: "GET /other HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 404 Not Found\r\n"))
        let post = try scrape(server, request: "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
        XCTAssertTrue(post.hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"), post)
        XCTAssertTrue(post.contains("\r\nAllow: GET\r\n"), post)
        var expected = MetricsServerStats()
        expected.accepted = 3
        expected.answered = 3
        XCTAssertEqual(try stats(of: server) { $0 == expected }, expected)
    }

    /// 256 KiB of one header line without a newline: with a request deadline of a minute,
    /// only the size limit can close the connection within the wait.
    func testEndlessHeaderLineIsCutOffAtTheSizeLimit() throws {
        let server = try start(MetricsLimits(maxRequestBytes: 8 * 1024, requestTimeoutSeconds: 60))
        let c = try RawTCPConnection(port: server.localPort)
        _ = c.send("GET /metrics HTTP/1.1\r\nX-Long: " + String(repeating: "a", count: 256 * 1024))
        XCTAssertTrue(c.waitUntilClosed(timeout: 20))
        var expected = MetricsServerStats()
        expected.accepted = 1
        expected.closedOversized = 1
        XCTAssertEqual(try stats(of: server) { $0 == expected }, expected)
        expectMetricsAnswer(try scrape(server))
    }

    /// One byte every 20 ms never leaves the connection idle for long; the request deadline
    /// (0.3 s from accept) closes it well before the 400 bytes (8 s) are through, and the
    /// size limit is far off.
    func testTricklingClientIsClosedAtTheRequestDeadline() throws {
        let server = try start(MetricsLimits(maxRequestBytes: 8 * 1024, requestTimeoutSeconds: 0.3))
        let c = try RawTCPConnection(port: server.localPort)
        let request = Array(("GET /metrics HTTP/1.1\r\n" + String(repeating: "X-Slow: a\r\n", count: 40)).utf8.prefix(400))
        var sent = 0
        while sent < request.count {
            if c.waitUntilClosed(timeout: 0.02) { break }
            guard c.send([request[sent]]) else { break }
            sent += 1
        }
        XCTAssertLessThan(sent, request.count, "closed before the request was through")
        XCTAssertTrue(c.waitUntilClosed(timeout: 10))
        var expected = MetricsServerStats()
        expected.accepted = 1
        expected.closedAtDeadline = 1
        XCTAssertEqual(try stats(of: server) { $0 == expected }, expected)
    }

    /// 200 connections that send nothing against a cap of 64: the 137 oldest are closed to
    /// make room (136 for the idle ones, one for the scrape) and the scrape is answered.
    func testIdleConnectionsPastTheCapDoNotBlockAScrape() throws {
        let server = try start(MetricsLimits(requestTimeoutSeconds: 60, maxConnections: 64))
        let idle = try (0..<200).map { _ in try RawTCPConnection(port: server.localPort) }
        XCTAssertEqual(try stats(of: server) { $0.accepted == 200 }.accepted, 200)
        expectMetricsAnswer(try scrape(server))

        var expected = MetricsServerStats()
        expected.accepted = 201
        expected.evicted = 137
        expected.answered = 1
        XCTAssertEqual(try stats(of: server) { $0 == expected }, expected)
        for (i, c) in idle.enumerated() where i < 137 {
            XCTAssertTrue(c.waitUntilClosed(timeout: 10), "connection \(i) is one of the oldest")
        }
        XCTAssertEqual(idle.suffix(63).filter(\.isClosed).count, 0, "the 63 newest stay open")
    }

    /// With no descriptor left, accept(2) fails with EMFILE while connections wait in the
    /// backlog; once descriptors are free again the listener takes them and answers.
    func testListenerKeepsAcceptingAfterRunningOutOfDescriptors() throws {
        let server = try start(MetricsLimits(requestTimeoutSeconds: 60))
        let waiting = try RawTCPConnection()
        var saved = rlimit()
        XCTAssertEqual(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved), 0)
        var fillers: [Int32] = []
        var lowered = saved
        lowered.rlim_cur = rlim_t(Self.highestOpenDescriptor() + 1)
        XCTAssertEqual(setrlimit(Int32(RLIMIT_NOFILE.rawValue), &lowered), 0)
        while true {
            let fd = open("/dev/null", O_RDONLY)
            if fd < 0 { break }
            fillers.append(fd)
        }
        let emfile = errno
        try waiting.connect(port: server.localPort)
        let first = try stats(of: server) { $0.acceptErrors >= 1 }.acceptErrors
        let firstSeen = Date()
        let second = try stats(of: server) { $0.acceptErrors >= 2 }.acceptErrors
        let pause = Date().timeIntervalSince(firstSeen)
        for fd in fillers { close(fd) }
        XCTAssertEqual(setrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved), 0)

        XCTAssertEqual(emfile, EMFILE)
        XCTAssertEqual(first, 1)
        XCTAssertEqual(second, 2)
        // A lower bound only (the pause is 1 s): retrying at once would take microseconds.
        XCTAssertGreaterThan(pause, 0.5, "accept pauses after an error instead of spinning")
        XCTAssertTrue(waiting.send(Self.get))
        let answer = waiting.readAll(timeout: 10)
        expectMetricsAnswer(String(decoding: answer.bytes, as: UTF8.self))
        expectMetricsAnswer(try scrape(server))
    }

    func testEndpointThreadsRunAtBackgroundPriorityAndTheCallersDoNot() throws {
        let before = ThreadPriority.currentThreadNice()
        let server = try start(.standard)
        let nice = try server.threadNiceValues()
        XCTAssertEqual(nice.eventLoop, 19)
        XCTAssertEqual(nice.scrape, 19)
        XCTAssertEqual(ThreadPriority.currentThreadNice(), before)
    }

    func testTakenAddressFailsAtOnceWithOneLineNamingIt() throws {
        let first = try start(.standard)
        let listen = Endpoint(address: .v4(IPv4Address(127, 0, 0, 1)), port: UInt16(first.localPort))
        XCTAssertThrowsError(try MetricsServer.start(listen: listen, limits: .standard, logger: Logger(label: "t")) {
            .text(200, "")
        }) { error in
            XCTAssertEqual("\(error)", "--metrics 127.0.0.1:\(first.localPort): cannot listen: Address already in use")
        }
    }

    private static func highestOpenDescriptor() -> Int32 {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return names.compactMap { Int32($0) }.max() ?? 2
    }
}
