// `get=public`, the secret-free get the metrics endpoint uses: the answer carries no
// private_key line, zero preshared keys, and the public key as tunnel_public_key; the
// rest is the `get=tunnel` answer.
import Addresses
import Foundation
import XCTest
@testable import Control

final class UAPIPublicGetTests: XCTestCase {
    static let publicKey = ControlFixtures.key(0x33)

    func testParsesAsItsOwnRequest() throws {
        XCTAssertEqual(try UAPIRequest.parse(text: "get=public\n"), .getPublic)
        XCTAssertThrowsError(try UAPIRequest.parse(text: "get=public\nlisten_port=1\n"))
        XCTAssertEqual(UAPIRequestWriter.getPublic(), "get=public\n\n")
    }

    func testAnswerHoldsNoPrivateOrPresharedKey() throws {
        var device = ControlFixtures.device
        device.tunnel.publicKey = Self.publicKey
        let harness = try ServerHarness(handler: RecordingHandler(device: device))
        defer { harness.stop() }
        let raw = try RawConnection(path: harness.server.socketPath)
        raw.send("get=public\n\n")
        let text = raw.readAnswer()
        XCTAssertFalse(text.contains("private_key="), text)
        XCTAssertFalse(text.contains(String(repeating: "11", count: 32)), "the private key's hex")
        XCTAssertFalse(text.contains(String(repeating: "22", count: 32)), "the preshared key's hex")
        XCTAssertTrue(text.contains("\ntunnel_public_key=\(String(repeating: "33", count: 32))\n"), text)
        XCTAssertTrue(text.hasSuffix("errno=0\n\n"), text)

        var expected = device
        expected.privateKey = nil
        expected.peers[0].presharedKey = nil
        XCTAssertEqual(try harness.client().getPublic(), expected)
    }

    func testGetTunnelCarriesThePublicKeyToo() throws {
        var device = ControlFixtures.device
        device.tunnel.publicKey = Self.publicKey
        let text = UAPIResponseWriter.getResponse(device, includeTunnelInfo: true)
        let lines = text.dropLast(2).split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(try UAPIResponseParser.parseGetResponse(lines: Array(lines)), device)
        XCTAssertFalse(UAPIResponseWriter.getResponse(device).contains("tunnel_public_key"), "not in a plain get=1")
    }

    /// A socket that knows only `get=1`, as wireguard-go: the other requests are closed
    /// unanswered, and the client ends up with the `get=1` snapshot.
    func testFallsBackToGetTunnelThenGet1OnAPlainImplementation() throws {
        let directory = NSTemporaryDirectory() + "uapi-plain-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = UAPISocketPath.path(interface: "plain0", directory: directory)
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener); try? FileManager.default.removeItem(atPath: directory) }
        let bound = UnixSocket.withAddress(path) { bind(listener, $0, $1) }
        XCTAssertEqual(bound, 0)
        XCTAssertEqual(listen(listener, 4), 0)
        let seen = PlainGetServer(listener: listener)
        let thread = Thread { seen.serve(connections: 3) }
        thread.start()

        let client = try UAPIClient(interface: "plain0", directory: directory)
        let expected = try UAPIResponseParser.parseGetResponse(lines: ControlFixtures.deviceGetText.answerLines)
        XCTAssertEqual(expected.privateKey, ControlFixtures.privateKey)
        XCTAssertEqual(try client.getPublicFallingBack(), expected)
        XCTAssertEqual(seen.wait(), ["get=public", "get=tunnel", "get=1"])
    }
}

/// Answers `get=1` with the fixture's text and closes any other request unanswered.
final class PlainGetServer: @unchecked Sendable {
    let listener: Int32
    private let lock = NSLock()
    private var requests: [String] = []
    private let done = DispatchSemaphore(value: 0)

    init(listener: Int32) { self.listener = listener }

    func serve(connections: Int) {
        for _ in 0..<connections {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { break }
            var data: [UInt8] = []
            var byte: UInt8 = 0
            while !(data.count >= 2 && data.suffix(2) == [10, 10]), recv(fd, &byte, 1, 0) == 1 { data.append(byte) }
            let request = String(decoding: data.prefix(while: { $0 != 10 }), as: UTF8.self)
            lock.withLock { requests.append(request) }
            if request == "get=1" {
                let answer = Array(ControlFixtures.deviceGetText.utf8)
                _ = answer.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
            close(fd)
        }
        done.signal()
    }

    /// The first lines of the requests, once all connections were served.
    func wait() -> [String] {
        _ = done.wait(timeout: .now() + 10)
        return lock.withLock { requests }
    }
}
