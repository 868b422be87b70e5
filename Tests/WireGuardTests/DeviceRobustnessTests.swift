import Addresses
import XCTest
@testable import WireGuard

/// Whatever arrives from the network is dropped and counted, never a crash.
final class DeviceRobustnessTests: XCTestCase {
    private struct Random: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state ^ (state >> 29)
        }
    }

    func testRandomAndMutatedDatagramsAreDroppedAndCounted() {
        let pair = DevicePair()
        pair.send(pair.a, DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: DevicePair.tunnelB, payload: [1, 2, 3]))
        pair.pump()
        pair.send(pair.a, DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: DevicePair.tunnelB, payload: [4, 5, 6]))
        let genuine = pair.outA.datagrams.removeFirst().bytes
        var rng = Random(state: 42)
        var sent = 0
        for i in 0..<30_000 {
            var bytes: [UInt8]
            switch i % 3 {
            case 0:  // pure noise of any length, with a plausible type byte half the time
                bytes = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                if !bytes.isEmpty && i % 2 == 0 { bytes[0] = UInt8.random(in: 1...4, using: &rng); if bytes.count > 3 { bytes[1] = 0; bytes[2] = 0; bytes[3] = 0 } }
            case 1:  // a genuine transport message with a few bytes changed
                bytes = genuine
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                }
            default:  // handshake-sized messages of noise
                let size = [148, 92, 64][i % 3 == 2 ? Int.random(in: 0...2, using: &rng) : 0]
                bytes = [UInt8.random(in: 1...3, using: &rng), 0, 0, 0]
                    + (4..<size).map { _ in UInt8.random(in: 0...255, using: &rng) }
            }
            pair.receive(pair.b, bytes, from: Endpoint("203.0.113.7:\(1024 + i % 1000)")!)
            sent += 1
        }
        XCTAssertEqual(pair.outB.delivered.count, 1, "nothing forged got through")
        XCTAssertEqual(pair.peerOfB.endpoint, DevicePair.endpointA, "no unauthenticated datagram moved the endpoint")
        XCTAssertGreaterThan(pair.b.drops.total, 0)
        // The session still works afterwards.
        pair.receive(pair.b, genuine, from: DevicePair.endpointA)
        XCTAssertEqual(pair.outB.delivered.count, 2)
        XCTAssertGreaterThan(sent, 0)
    }

    /// A packet longer than any IP packet (an I/O layer handing over a large buffer with a
    /// wrong length) is dropped, not staged: staged packets are later copied into the
    /// device's scratch buffer, which holds at most 65535 bytes.
    func testOverlongOutboundPacketIsDroppedNotStaged() {
        let pair = DevicePair()
        let packet = DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: DevicePair.tunnelB, payload: [1])
        pair.send(pair.a, packet + [UInt8](repeating: 0, count: 70_000))
        XCTAssertTrue(pair.peerOfA.staged.isEmpty)
        XCTAssertEqual(pair.a.drops[.malformedInnerPacket], 1)
        pair.pump()
        XCTAssertTrue(pair.outB.delivered.isEmpty)
    }
}
