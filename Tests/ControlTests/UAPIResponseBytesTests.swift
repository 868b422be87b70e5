// The byte-level reading of a `get` answer: the errors it gives for malformed bytes (each
// a clear Failure, never a crash, whatever the bytes), text values as wg(8) would show
// them, and counter names made into one String each however many peers carry them.
import Addresses
import Control
import XCTest

final class UAPIResponseBytesTests: XCTestCase {
    private func parse(_ text: String) throws -> UAPIDeviceSnapshot {
        try UAPIResponseParser.parseGetResponse(Array(text.utf8))
    }

    private func assertMalformed(_ text: String, _ reason: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse(text), file: file, line: line) { error in
            XCTAssertEqual(error as? UAPIResponseParser.Failure, .malformed(reason), file: file, line: line)
        }
    }

    func testMalformedBytesGiveTheLineAndTheReason() {
        assertMalformed("", "answer line 1 has no '='")
        assertMalformed("listen_port=1\n\nerrno=0", "answer line 2 has no '='")
        assertMalformed("listen_port=1", "the answer has no errno line")
        assertMalformed("listen_port=1\nerrno=0\n", "answer line 3 has no '='")
        assertMalformed("listen_port=", "answer line 1: bad value for listen_port")
        assertMalformed("listen_port=65536\nerrno=0", "answer line 1: bad value for listen_port")
        assertMalformed("tunnel_counter_x=-1\nerrno=0", "answer line 1: bad value for tunnel_counter_x")
        assertMalformed("tunnel_counter_x=99999999999999999999\nerrno=0", "answer line 1: bad value for tunnel_counter_x")
        assertMalformed("rx_bytes=1\nerrno=0", "answer line 1: rx_bytes before public_key")
        assertMalformed("public_key=\(ControlFixtures.hexA)\nlisten_port=1\nerrno=0", "answer line 2: listen_port after public_key")
        assertMalformed("public_key=\(ControlFixtures.hexA.dropLast())\nerrno=0", "answer line 1: bad value for public_key")
        assertMalformed("public_key=\(ControlFixtures.hexA)\nlast_handshake_time_sec=9223372036854775808\nerrno=0",
                        "answer line 2: bad value for last_handshake_time_sec")
        assertMalformed("public_key=\(ControlFixtures.hexA)\nendpoint=[::1:5\nerrno=0", "answer line 2: bad value for endpoint")
        assertMalformed("errno=0\nerrno=0", "answer line 2 follows errno")
        assertMalformed("errno=", "answer line 1: bad value for errno")
        assertMalformed("errno=-", "answer line 1: bad value for errno")
    }

    func testTextValuesAndKeysAreReadAsTheyCame() throws {
        let text = "tunnel_name=wg\u{e9}0\ntunnel_role=server\npublic_key=\(ControlFixtures.hexA.uppercased())\n"
            + "tunnel_peer_name=ana's \u{1F4F1}\ntunnel_peer_state=active\nerrno=0"
        let parsed = try parse(text)
        XCTAssertEqual(parsed.tunnel.name, "wg\u{e9}0")
        XCTAssertEqual(parsed.peers.first?.publicKey, ControlFixtures.peerA, "hex in either case")
        XCTAssertEqual(parsed.peers.first?.name, "ana's \u{1F4F1}")
        XCTAssertEqual(parsed.peers.first?.state, "active")
    }

    func testInvalidUTF8InATextValueIsRepairedNotFatal() throws {
        var bytes = Array("tunnel_name=a".utf8) + [0xff, 0xc3] + Array("\nerrno=0".utf8)
        XCTAssertEqual(try UAPIResponseParser.parseGetResponse(bytes).tunnel.name, "a\u{fffd}\u{fffd}")
        bytes = [0xff, 0x3d, 0x31, 0x0a] + Array("errno=0".utf8)   // an unknown key of invalid UTF-8
        XCTAssertEqual(try UAPIResponseParser.parseGetResponse(bytes), UAPIDeviceSnapshot())
    }

    func testEveryPeerGetsItsOwnCountersUnderSharedNames() throws {
        var text = "tunnel_counter_peers=2\n"
        for (i, hex) in [ControlFixtures.hexA, ControlFixtures.hexB].enumerated() {
            text += "public_key=\(hex)\ntunnel_counter_drop_bad_mac=\(i)\ntunnel_counter_usage_bytes=\(10 + i)\n"
        }
        text += "public_key=\(ControlFixtures.hexA)\ntunnel_counter_usage_bytes=7\ntunnel_counter_drop_bad_mac=8\n"
        let parsed = try parse(text + "errno=0")
        XCTAssertEqual(parsed.tunnel.counters, [UAPICounter("peers", 2)])
        XCTAssertEqual(parsed.peers.map(\.counters), [
            [UAPICounter("drop_bad_mac", 0), UAPICounter("usage_bytes", 10)],
            [UAPICounter("drop_bad_mac", 1), UAPICounter("usage_bytes", 11)],
            [UAPICounter("usage_bytes", 7), UAPICounter("drop_bad_mac", 8)],   // another order reads as well
        ])
    }

    /// Random bytes, and random cuts and flips of a real answer: a Failure or a snapshot, never a trap.
    func testArbitraryBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        let answer = Array(UAPIResponseWriter.getResponse(ControlFixtures.device, includeTunnelInfo: true).utf8.dropLast(2))
        for round in 0..<2_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0..<200, using: &generator)).map { _ in
                    [UInt8(ascii: "="), UInt8(ascii: "\n"), UInt8(ascii: "1"), UInt8.random(in: 0...255, using: &generator)]
                        .randomElement(using: &generator)!
                }
            } else {
                bytes = Array(answer.prefix(Int.random(in: 0...answer.count, using: &generator)))
                for _ in 0..<3 where !bytes.isEmpty {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
            }
            do {
                _ = try UAPIResponseParser.parseGetResponse(bytes)
            } catch is UAPIResponseParser.Failure {
            } catch {
                XCTFail("\(error) is not a Failure")
            }
        }
    }
}
