// The get answer: exact text for a sample device, tunnel extras only on request, and
// parsing answers back (round trip, errno, unknown keys, malformed input).
import XCTest
import Addresses
@testable import Control

final class UAPIResponseTests: XCTestCase {
    func testGetAnswerMatchesSpecFormatExactly() {
        XCTAssertEqual(UAPIResponseWriter.getResponse(ControlFixtures.device), ControlFixtures.deviceGetText)
    }

    func testPlainGetCarriesNoTunnelKeys() {
        let text = UAPIResponseWriter.getResponse(ControlFixtures.device)
        XCTAssertFalse(text.contains("tunnel_"), "get=1 must stay plain WireGuard UAPI")
    }

    func testTunnelInfoIsPlacedInDeviceAndPeerSections() {
        let text = UAPIResponseWriter.getResponse(ControlFixtures.device, includeTunnelInfo: true)
        let lines = text.split(separator: "\n").map(String.init)
        let firstPeer = lines.firstIndex(of: "public_key=\(ControlFixtures.hexA)")!
        let secondPeer = lines.firstIndex(of: "public_key=\(ControlFixtures.hexB)")!
        XCTAssertLessThan(lines.firstIndex(of: "tunnel_name=tun0")!, firstPeer)
        XCTAssertLessThan(lines.firstIndex(of: "tunnel_counter_nat_tcp_mappings=12")!, firstPeer)
        let peerName = lines.firstIndex(of: "tunnel_peer_name=alice laptop")!
        XCTAssertTrue(peerName > firstPeer && peerName < secondPeer)
        XCTAssertEqual(lines.last, "errno=0")
    }

    func testRoundTripWithTunnelInfo() throws {
        let text = UAPIResponseWriter.getResponse(ControlFixtures.device, includeTunnelInfo: true)
        XCTAssertEqual(try UAPIResponseParser.parseGetResponse(lines: text.answerLines), ControlFixtures.device)
    }

    func testRoundTripPlainDropsOnlyTheExtras() throws {
        var expected = ControlFixtures.device
        expected.tunnel = UAPITunnelInfo()
        for i in expected.peers.indices { expected.peers[i].name = nil; expected.peers[i].counters = [] }
        let parsed = try UAPIResponseParser.parseGetResponse(lines: ControlFixtures.deviceGetText.answerLines)
        XCTAssertEqual(parsed, expected)
    }

    func testPeerNameCannotInjectLines() throws {
        var device = ControlFixtures.device
        device.peers[0].name = "evil\npublic_key=\(ControlFixtures.hexB)"
        let text = UAPIResponseWriter.getResponse(device, includeTunnelInfo: true)
        let parsed = try UAPIResponseParser.parseGetResponse(lines: text.answerLines)
        XCTAssertEqual(parsed.peers.count, 2)
        XCTAssertEqual(parsed.peers[0].name, "evil public_key=\(ControlFixtures.hexB)")
    }

    func testEmptyDeviceIsJustErrno() {
        XCTAssertEqual(UAPIResponseWriter.getResponse(UAPIDeviceSnapshot()), "errno=0\n\n")
    }

    func testErrnoAnswersAreNegatedLikeWireguardGo() {
        XCTAssertEqual(UAPIResponseWriter.errnoResponse(nil), "errno=0\n\n")
        XCTAssertEqual(UAPIResponseWriter.errnoResponse(UAPIError(errno: EINVAL, "x")), "errno=-22\n\n")
    }

    func testParserAcceptsEitherErrnoSign() throws {
        XCTAssertEqual(try UAPIResponseParser.parseErrnoResponse(lines: ["errno=-22"]), EINVAL)
        XCTAssertEqual(try UAPIResponseParser.parseErrnoResponse(lines: ["errno=22"]), EINVAL)
        XCTAssertEqual(try UAPIResponseParser.parseErrnoResponse(lines: ["errno=0"]), 0)
        XCTAssertThrowsError(try UAPIResponseParser.parseErrnoResponse(lines: ["errno=x"]))
    }

    func testNonzeroErrnoInGetAnswerIsReported() {
        XCTAssertThrowsError(try UAPIResponseParser.parseGetResponse(lines: ["errno=-5"])) { error in
            XCTAssertEqual(error as? UAPIResponseParser.Failure, .remoteErrno(EIO))
        }
    }

    func testUnknownKeysAreSkippedLikeWg() throws {
        let lines: [Substring] = ["listen_port=5", "jc=4", "public_key=\(ControlFixtures.hexA)", "future_key=1", "errno=0"]
        let parsed = try UAPIResponseParser.parseGetResponse(lines: lines)
        XCTAssertEqual(parsed.listenPort, 5)
        XCTAssertEqual(parsed.peers.map(\.publicKey), [ControlFixtures.peerA])
    }

    func testMalformedAnswersAreRejected() {
        let cases: [[Substring]] = [
            ["listen_port=5"],                                     // no errno
            ["listen_port=70000", "errno=0"],                      // out of range
            ["listen_port=+5", "errno=0"],                         // sign
            ["endpoint=192.0.2.1:1", "errno=0"],                   // peer key before public_key
            ["public_key=zz", "errno=0"],                          // bad hex
            ["public_key=\(ControlFixtures.hexA)", "allowed_ip=10.0.0.0/33", "errno=0"],
            ["no equals sign", "errno=0"],
            ["errno=0", "listen_port=1"],                          // after errno
        ]
        for lines in cases {
            XCTAssertThrowsError(try UAPIResponseParser.parseGetResponse(lines: lines), "\(lines)")
        }
    }
}
