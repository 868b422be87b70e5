// The control server over real Unix sockets in a temporary directory: get and set through
// the client, many clients at once, oversized, garbage and stalled clients, file mode,
// stale and live sockets, and removal of the socket file.
import XCTest
import Foundation
@testable import Control

final class UAPIServerTests: XCTestCase {
    private var harness: ServerHarness!

    override func setUpWithError() throws { harness = try ServerHarness() }
    override func tearDown() { harness?.stop() }

    func testGetThroughClientReturnsTheSnapshot() throws {
        var expected = ControlFixtures.device
        expected.tunnel = UAPITunnelInfo()
        for i in expected.peers.indices { expected.peers[i].name = nil; expected.peers[i].counters = [] }
        XCTAssertEqual(try harness.client().get(), expected)
        XCTAssertEqual(try harness.client().getWithTunnelInfo(), ControlFixtures.device)
    }

    func testSetArrivesAtHandler() throws {
        let change = UAPIConfigurationChange(listenPort: 4242, peers: [
            UAPIPeerChange(publicKey: ControlFixtures.peerA, allowedIPs: [ControlFixtures.prefix("100.64.0.9/32")])])
        try harness.client().set(change)
        XCTAssertEqual(harness.handler.changes, [change])
    }

    func testHandlerErrorIsAnsweredWithItsErrno() throws {
        harness.handler.failure = UAPIError(errno: EADDRINUSE, "port taken")
        XCTAssertThrowsError(try harness.client().set(UAPIConfigurationChange(listenPort: 1))) { error in
            XCTAssertEqual(error as? UAPIClientError, .rejected(path: harness.server.socketPath, errno: EADDRINUSE))
        }
    }

    func testConnectionServesSeveralRequests() throws {
        let c = try RawConnection(path: harness.server.socketPath)
        c.send("get=1\n\n")
        XCTAssertTrue(c.readAnswer().hasSuffix("errno=0\n\n"))
        c.send("set=1\nlisten_port=7\n\n")
        XCTAssertEqual(c.readAnswer(), "errno=0\n\n")
        XCTAssertEqual(harness.handler.changes.last?.listenPort, 7)
    }

    func testConcurrentClients() throws {
        let path = harness.server.socketPath
        let results = ResultBox()
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            let ok = (try? RawConnection(path: path)).map { c -> Bool in
                c.send("get=1\n\n")
                return c.readAnswer() == ControlFixtures.deviceGetText
            } ?? false
            results.add(ok)
        }
        XCTAssertEqual(results.values.count, 16)
        XCTAssertTrue(results.values.allSatisfy { $0 })
    }

    func testMegabyteLineGetsErrnoAndServerKeepsServing() throws {
        let c = try RawConnection(path: harness.server.socketPath)
        c.send(Array("set=1\nlisten_port=".utf8) + [UInt8](repeating: UInt8(ascii: "1"), count: 1 << 20))
        XCTAssertEqual(c.readAnswer(), "errno=-\(EMSGSIZE)\n\n")
        XCTAssertTrue(c.waitForClose())
        XCTAssertNoThrow(try harness.client().get())
    }

    func testRandomBytesGetErrno() throws {
        var generator = SystemRandomNumberGenerator()
        let c = try RawConnection(path: harness.server.socketPath)
        c.send((0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) } + [10, 10])
        XCTAssertEqual(c.readAnswer(), "errno=-\(EPROTO)\n\n")
        XCTAssertNoThrow(try harness.client().get())
    }

    func testBadRequestsGetErrnoAnswers() throws {
        let cases: [(String, Int32)] = [
            ("get=2\n\n", EPROTO),
            ("set=1\nfoo=bar\n\n", EINVAL),
            ("set=1\nendpoint=192.0.2.1:1\n\n", EINVAL),
            ("set=1\npublic_key=\(ControlFixtures.hexA)\nprotocol_version=2\n\n", EINVAL),
        ]
        for (request, code) in cases {
            let c = try RawConnection(path: harness.server.socketPath)
            c.send(request)
            XCTAssertEqual(c.readAnswer(), "errno=-\(code)\n\n", request)
        }
        XCTAssertEqual(harness.handler.changes, [], "a rejected set must not reach the handler")
    }

    func testStalledClientDoesNotBlockAnother() throws {
        let stalled = try RawConnection(path: harness.server.socketPath)
        stalled.send("set=1\nlisten_port=1")
        XCTAssertNoThrow(try harness.client(timeout: 5).get())
        withExtendedLifetime(stalled) {}
    }

    func testSocketFileIsPrivate() throws {
        let attributes = try FileManager.default.attributesOfItem(atPath: harness.server.socketPath)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertEqual(attributes[.type] as? FileAttributeType, .typeSocket)
    }

    func testListsRunningInterfaces() {
        XCTAssertEqual(UAPIClient.runningInterfaces(directory: harness.directory), ["tctl0"])
    }

    func testSecondServerOnSameInterfaceFails() {
        XCTAssertThrowsError(try UAPIServer(interface: "tctl0", directory: harness.directory, reactor: harness.reactor,
                                            handler: harness.handler)) { error in
            XCTAssertEqual(error as? UAPIServerError, .alreadyRunning(interface: "tctl0", path: harness.server.socketPath))
            XCTAssertTrue("\(error)".contains("interface tctl0 already has a running tunnel"))
        }
    }

    func testClientErrorsAreTyped() throws {
        let missing = try UAPIClient(interface: "nothere", directory: harness.directory)
        XCTAssertThrowsError(try missing.get()) { error in
            XCTAssertEqual(error as? UAPIClientError,
                           .noSuchInterface(interface: "nothere", path: UAPISocketPath.path(interface: "nothere", directory: harness.directory)))
        }
        XCTAssertThrowsError(try UAPIClient(interface: "../etc")) { error in
            XCTAssertEqual(error as? UAPIClientError, .invalidInterfaceName("../etc"))
        }
    }
}

/// Collects results from concurrent work.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var _values: [Bool] = []
    func add(_ v: Bool) { lock.lock(); _values.append(v); lock.unlock() }
    var values: [Bool] { lock.lock(); defer { lock.unlock() }; return _values }
}
