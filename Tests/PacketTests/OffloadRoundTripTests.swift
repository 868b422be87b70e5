// Segmentation and coalescing undo each other: random TCP super-packets, split as the
// TUN's reader would, merge back into the very super-packet the kernel handed over.
import XCTest
@testable import Packet

final class OffloadRoundTripTests: XCTestCase {
    typealias B = OffloadPacketBuilder
    static let rounds = 200
    static let capacity = 1500

    func testCoalescingTheSegmentsOfASuperPacketRebuildsIt() throws {
        var rng = SeededGenerator(seed: 0x0ff1_0ad)
        for round in 0..<Self.rounds {
            let version: IPVersion = rng.chance(50) ? .v4 : .v6
            var tcp = B.TCPFields()
            tcp.sequence = UInt32.random(in: 0...UInt32.max, using: &rng)
            tcp.flags = rng.chance(50) ? [.ack, .psh] : [.ack]
            tcp.options = rng.chance(50) ? B.timestampOptions(UInt32(round)) : []
            var ip = B.IPFields()
            ip.identification = UInt16.random(in: 0...UInt16.max, using: &rng)
            ip.dontFragment = rng.chance(80)
            let transport = version == .v4 ? 20 : 40
            let headerLength = transport + 20 + tcp.options.count
            let gsoSize = Int.random(in: 1...(Self.capacity - headerLength), using: &rng)
            let maximumPayload = min(Int(UInt16.max) - headerLength, PacketCoalescer.entryCapacity * gsoSize)
            let payload = B.pattern(Int.random(in: 1...maximumPayload, using: &rng), seed: round)
            let original = B.tcp(version, payload: payload, tcp: tcp, ip: ip)
            let superPacket = B.partial(original, proto: IPProtocol.tcp)
            let header = VirtioNetHeader(
                flags: VirtioNetHeader.needsChecksum,
                gsoType: version == .v4 ? VirtioNetHeader.gsoTCPv4 : VirtioNetHeader.gsoTCPv6,
                headerLength: UInt16(headerLength), gsoSize: UInt16(gsoSize),
                checksumStart: UInt16(transport), checksumOffset: UInt16(TCPHeader.checksumOffset))
            let segments = try split(header, superPacket)
            let pinned = PinnedPackets()
            let coalescer = PacketCoalescer()
            for segment in segments { XCTAssertTrue(coalescer.add(pinned.pin(segment))) }
            var writes: [(VirtioNetHeader, [UInt8])] = []
            coalescer.flush { h, p in writes.append((VirtioNetHeader(reading: h)!, Array(p))) }
            let context = "round \(round): \(version), \(payload.count) bytes in pieces of \(gsoSize)"
            XCTAssertEqual(writes.count, 1, context)
            guard let (merged, packet) = writes.first else { continue }
            if segments.count == 1 {
                XCTAssertEqual(merged, .none, context)
                XCTAssertEqual(packet, original, context)
            } else {
                XCTAssertEqual(merged, header, context)
                XCTAssertEqual(packet, superPacket, context)
            }
        }
    }

    private func split(_ header: VirtioNetHeader, _ packet: [UInt8]) throws -> [[UInt8]] {
        try packet.withUnsafeBytes { bytes throws -> [[UInt8]] in
            let plan = try OffloadSegmenter.plan(header, packet: bytes, segmentCapacity: Self.capacity)
            var out = [UInt8](repeating: 0, count: Self.capacity)
            return (0..<plan.count).map { i in
                let length = out.withUnsafeMutableBytes { plan.writeSegment(i, from: bytes, into: $0) }
                return Array(out[0..<length])
            }
        }
    }
}
