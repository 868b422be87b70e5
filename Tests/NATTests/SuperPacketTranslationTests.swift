// A reply the server's TUN hands over as a super-packet is translated once, whole, and
// then cut into segments. These tests hold that to the slow way: cutting first and
// translating every segment must give the same bytes, segment for segment.
import Addresses
import NAT
import Packet
import XCTest

final class SuperPacketTranslationTests: XCTestCase {
    private static let segmentSize = 1380
    private static let segments = 10
    /// Room for one segment: headers and `segmentSize` of payload.
    private static let segmentCapacity = 1500
    private static let clientPort: UInt16 = 40000
    private static let remotePort: UInt16 = 443

    func testTCPv4SuperPacketTranslatedOnceEqualsPerSegment() throws {
        try assertTranslatingOnceMatchesPerSegment(client: Fixture.alice4, remote: Fixture.remote4, tcp: true)
    }

    func testTCPv6SuperPacketTranslatedOnceEqualsPerSegment() throws {
        try assertTranslatingOnceMatchesPerSegment(client: Fixture.alice6, remote: Fixture.remote6, tcp: true)
    }

    func testUDPSuperPacketTranslatedOnceEqualsPerSegment() throws {
        try assertTranslatingOnceMatchesPerSegment(client: Fixture.alice4, remote: Fixture.remote4, tcp: false)
    }

    /// A super-packet to a port no mapping owns is refused whole, as its segments would be.
    func testSuperPacketToAnUnmappedPortIsRefusedAsEverySegmentWouldBe() throws {
        let table = Fixture.table()
        let (header, bytes) = superPacket(from: Fixture.remote4, to: Fixture.egress4, port: 61999, tcp: true)
        let reply = TestPacket(bytes, recomputeChecksums: false)
        XCTAssertEqual(table.translateInbound(reply.packet, now: 0), .drop(.noMapping))
        XCTAssertEqual(reply.bytes, bytes, "a refused super-packet is left as it was")
        for segment in try cut(header, bytes) {
            XCTAssertEqual(table.translateInbound(TestPacket(segment, recomputeChecksums: false).packet, now: 0),
                           .drop(.noMapping))
        }
    }

    private func assertTranslatingOnceMatchesPerSegment(client: String, remote: String, tcp: Bool,
                                                        file: StaticString = #filePath, line: UInt = #line) throws {
        let once = Fixture.table(), perSegment = Fixture.table()
        let onceReply = try reply(to: open(once, client: client, remote: remote, tcp: tcp), tcp: tcp)
        let perSegmentReply = try reply(to: open(perSegment, client: client, remote: remote, tcp: tcp), tcp: tcp)

        let whole = TestPacket(onceReply.bytes, recomputeChecksums: false)
        XCTAssertEqual(once.translateInbound(whole.packet, now: 1), .deliver(to: Fixture.alice), file: file, line: line)
        let translatedOnce = try cut(onceReply.header, whole.bytes)

        let translatedEach = try cut(perSegmentReply.header, perSegmentReply.bytes).map { bytes in
            let segment = TestPacket(bytes, recomputeChecksums: false)
            XCTAssertEqual(perSegment.translateInbound(segment.packet, now: 1), .deliver(to: Fixture.alice),
                           file: file, line: line)
            return segment.bytes
        }

        XCTAssertEqual(translatedOnce.count, Self.segments, file: file, line: line)
        XCTAssertEqual(translatedOnce, translatedEach, "the same segments either way", file: file, line: line)
        for bytes in translatedOnce {
            let segment = TestPacket(bytes, recomputeChecksums: false)
            XCTAssertTrue(segment.hasValidChecksums, file: file, line: line)
            XCTAssertEqual(segment.destination, Fixture.address(client), file: file, line: line)
            XCTAssertEqual(segment.destinationPort, Self.clientPort, file: file, line: line)
        }
        XCTAssertEqual(once.statistics.translatedInbound, 1, "one lookup for the whole super-packet", file: file, line: line)
        XCTAssertEqual(perSegment.statistics.translatedInbound, UInt64(Self.segments), file: file, line: line)
    }

    /// Sends alice's first packet to `remote` and returns the NAT port it was given.
    private func open(_ table: NATTable, client: String, remote: String, tcp: Bool) throws -> (port: UInt16, remote: String) {
        let from = "\(bracketed(client)):\(Self.clientPort)", to = "\(bracketed(remote)):\(Self.remotePort)"
        let first = tcp ? PacketBuilder.tcp(from, to, flags: .syn) : PacketBuilder.udp(from, to)
        XCTAssertEqual(table.translateOutbound(first.packet, from: Fixture.alice, now: 0), .forward)
        return (try XCTUnwrap(first.sourcePort), remote)
    }

    private func reply(to mapping: (port: UInt16, remote: String), tcp: Bool) throws -> (header: VirtioNetHeader, bytes: [UInt8]) {
        let egress = Fixture.address(mapping.remote).isIPv4 ? Fixture.egress4 : Fixture.egress6
        return superPacket(from: mapping.remote, to: egress, port: mapping.port, tcp: tcp)
    }

    /// A super-packet as the TUN hands it over: the transport checksum field holds only
    /// the pseudo-header sum (NEEDS_CSUM), the payload is `segments` segments long.
    private func superPacket(from remote: String, to egress: String, port: UInt16,
                             tcp: Bool) -> (header: VirtioNetHeader, bytes: [UInt8]) {
        let payload = (0..<(Self.segmentSize * Self.segments)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let transport = tcp ? tcpHeader(to: port) : PacketBuilder.udpSegment(Self.remotePort, port, payload: [])
        let proto = tcp ? IPProtocol.tcp : IPProtocol.udp
        var bytes = PacketBuilder.ip(Fixture.address(remote), Fixture.address(egress), proto: proto,
                                     segment: transport + payload)
        let isIPv4 = bytes[0] >> 4 == 4
        let transportStart = isIPv4 ? PacketBuilder.ipv4HeaderLength : PacketBuilder.ipv6HeaderLength
        if isIPv4 { storeIPv4HeaderChecksum(&bytes) }
        if !tcp { bytes.replaceSubrange((transportStart + 4)..<(transportStart + 6), with: PacketBuilder.be16(8 + UInt16(payload.count))) }
        let checksumField = transportStart + (tcp ? 16 : 6)
        bytes.replaceSubrange(checksumField..<(checksumField + 2),
                              with: PacketBuilder.be16(pseudoHeaderSum(bytes, proto: proto, transportStart: transportStart)))
        let header = VirtioNetHeader(flags: VirtioNetHeader.needsChecksum,
                                     gsoType: tcp ? (isIPv4 ? VirtioNetHeader.gsoTCPv4 : VirtioNetHeader.gsoTCPv6)
                                                  : VirtioNetHeader.gsoUDPL4,
                                     headerLength: UInt16(transportStart + transport.count),
                                     gsoSize: UInt16(Self.segmentSize), checksumStart: UInt16(transportStart),
                                     checksumOffset: tcp ? 16 : 6)
        return (header, bytes)
    }

    private func tcpHeader(to port: UInt16) -> [UInt8] {
        let flags = TCPFlags.ack.rawValue | TCPFlags.psh.rawValue
        return PacketBuilder.be16(Self.remotePort) + PacketBuilder.be16(port) + PacketBuilder.be32(5000)
            + PacketBuilder.be32(1001) + [5 << 4, flags] + PacketBuilder.be16(65535) + [0, 0, 0, 0]
    }

    private func cut(_ header: VirtioNetHeader, _ bytes: [UInt8]) throws -> [[UInt8]] {
        try bytes.withUnsafeBytes { packet in
            let plan = try OffloadSegmenter.plan(header, packet: packet, segmentCapacity: Self.segmentCapacity)
            return (0..<plan.count).map { i in
                var out = [UInt8](repeating: 0, count: plan.segmentLength(i))
                _ = out.withUnsafeMutableBytes { plan.writeSegment(i, from: packet, into: $0) }
                return out
            }
        }
    }

    private func bracketed(_ address: String) -> String {
        address.contains(":") ? "[\(address)]" : address
    }

    // MARK: - Sums written out here, independent of the code under test

    private func fold(_ sum: UInt32) -> UInt16 {
        var s = sum
        while s > 0xffff { s = (s & 0xffff) + (s >> 16) }
        return UInt16(s)
    }

    private func words(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        stride(from: bytes.startIndex, to: bytes.endIndex, by: 2).reduce(UInt32(0)) { sum, i in
            let high = UInt32(bytes[i]) << 8
            let low = i + 1 < bytes.endIndex ? UInt32(bytes[i + 1]) : 0
            return sum + (high | low)
        }
    }

    private func pseudoHeaderSum(_ bytes: [UInt8], proto: UInt8, transportStart: Int) -> UInt16 {
        let addresses = bytes[0] >> 4 == 4 ? bytes[12..<20] : bytes[8..<40]
        let length = UInt32(bytes.count - transportStart)
        return fold(words(addresses) + UInt32(proto) + (length >> 16) + (length & 0xffff))
    }

    private func storeIPv4HeaderChecksum(_ bytes: inout [UInt8]) {
        bytes.replaceSubrange(10..<12, with: [0, 0])
        bytes.replaceSubrange(10..<12, with: PacketBuilder.be16(~fold(words(bytes[0..<20]))))
    }
}
