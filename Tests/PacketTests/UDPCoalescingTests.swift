// Userspace GRO for UDP, for a TUN that takes USO: equal-sized datagrams of one flow
// merge into one UDP_L4 super-packet that splits back into the very datagrams that went
// in; anything the kernel could not split back the same stays alone.
import XCTest
@testable import Packet

final class UDPCoalescingTests: XCTestCase {
    typealias B = OffloadPacketBuilder

    /// Datagrams of one flow with consecutive IPv4 ids, as the kernel gives the segments
    /// of a super-packet: splitting a merged group must give back exactly these.
    private func datagrams(_ version: IPVersion, sizes: [Int], seed: Int = 0) -> [[UInt8]] {
        sizes.enumerated().map { i, size in
            var ip = B.IPFields()
            ip.identification &+= UInt16(i)
            return B.udp(version, payload: B.pattern(size, seed: seed + i), ip: ip)
        }
    }

    private func coalesce(_ packets: [[UInt8]], udp: Bool = true) -> [(header: VirtioNetHeader, packet: [UInt8])] {
        let pinned = PinnedPackets()
        let coalescer = PacketCoalescer(coalescesUDP: udp)
        for packet in packets { XCTAssertTrue(coalescer.add(pinned.pin(packet))) }
        var writes: [(VirtioNetHeader, [UInt8])] = []
        coalescer.flush { header, packet in writes.append((VirtioNetHeader(reading: header)!, Array(packet))) }
        return writes
    }

    /// What the kernel does with the super-packet: the segmenter splits it the same way.
    private func split(_ header: VirtioNetHeader, _ packet: [UInt8]) throws -> [[UInt8]] {
        try packet.withUnsafeBytes { bytes throws -> [[UInt8]] in
            let plan = try OffloadSegmenter.plan(header, packet: bytes, segmentCapacity: 1500)
            var out = [UInt8](repeating: 0, count: 1500)
            return (0..<plan.count).map { i in
                let length = out.withUnsafeMutableBytes { plan.writeSegment(i, from: bytes, into: $0) }
                return Array(out[0..<length])
            }
        }
    }

    func testEqualDatagramsMergeIntoOneUDPSuperPacketThatSplitsBack() throws {
        for version in [IPVersion.v4, .v6] {
            let run = datagrams(version, sizes: [1200, 1200, 1200, 1200, 700])
            let writes = coalesce(run)
            XCTAssertEqual(writes.count, 1, "\(version)")
            guard let write = writes.first else { continue }
            let transport = B.transportOffset(run[0])
            XCTAssertEqual(write.header, VirtioNetHeader(flags: VirtioNetHeader.needsChecksum, gsoType: VirtioNetHeader.gsoUDPL4,
                                                         headerLength: UInt16(transport + 8), gsoSize: 1200,
                                                         checksumStart: UInt16(transport), checksumOffset: 6))
            XCTAssertEqual(Int(ReferenceChecksum.read16(write.packet, transport + 4)), write.packet.count - transport,
                           "UDP length covers every datagram")
            XCTAssertEqual(ReferenceChecksum.read16(write.packet, transport + 6),
                           B.pseudoHeaderSum(write.packet, proto: IPProtocol.udp, transportOffset: transport),
                           "partial checksum")
            XCTAssertTrue(try split(write.header, write.packet) == run, "\(version): the same datagrams come back")
        }
    }

    func testAShorterDatagramEndsTheGroupAndALongerOneStartsAnother() throws {
        let run = datagrams(.v4, sizes: [1000, 1000, 600, 1000, 1200])
        let writes = coalesce(run)
        XCTAssertEqual(writes.count, 3)
        guard writes.count == 3 else { return }
        XCTAssertTrue(try split(writes[0].header, writes[0].packet) == Array(run[0...2]))
        XCTAssertTrue(writes[1].packet == run[3])
        XCTAssertTrue(writes[2].packet == run[4])
        XCTAssertEqual(writes[1].header, .none)
    }

    func testWithoutUSONoDatagramMerges() {
        let run = datagrams(.v6, sizes: [1000, 1000, 1000])
        let writes = coalesce(run, udp: false)
        XCTAssertTrue(writes.map(\.packet) == run)
        XCTAssertTrue(writes.allSatisfy { $0.header == .none })
    }

    func testDatagramsWithoutOrWithABadChecksumStayAlone() {
        var run = datagrams(.v4, sizes: [1000, 1000, 1000, 1000])
        let transport = B.transportOffset(run[0])
        run[1][transport + 6] = 0       // no checksum (IPv4 allows it): nothing to check
        run[1][transport + 7] = 0
        run[3][transport + 20] ^= 0xff  // corrupted payload
        let writes = coalesce(run)
        XCTAssertTrue(writes.map(\.packet) == run, "each written alone, unchanged, in order")
    }

    func testAGroupStopsAtTheSegmentLimit() throws {
        let count = PacketCoalescer.maximumUDPSegments + 3
        let run = datagrams(.v4, sizes: [Int](repeating: 500, count: count))
        let writes = coalesce(run)
        XCTAssertEqual(writes.count, 2)
        guard writes.count == 2 else { return }
        XCTAssertTrue(try split(writes[0].header, writes[0].packet) == Array(run[..<PacketCoalescer.maximumUDPSegments]))
        // The second group starts with an id the kernel would count from anew.
        XCTAssertEqual(try split(writes[1].header, writes[1].packet).count, 3)
    }

    func testTCPAndUDPWithTheSamePortsAreDifferentFlows() {
        var tcp = B.TCPFields()
        tcp.sourcePort = 5353
        tcp.destinationPort = 4500
        let segment = B.tcp(.v4, payload: B.pattern(1000), tcp: tcp)
        let run = datagrams(.v4, sizes: [1000, 1000])
        let writes = coalesce([run[0], segment, run[1]])
        XCTAssertEqual(writes.count, 2, "the datagrams merge around the TCP segment")
        XCTAssertTrue(writes.last?.packet == segment)
    }
}
