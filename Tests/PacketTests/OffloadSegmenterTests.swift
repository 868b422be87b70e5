// Splitting TUN super-packets (TSO, USO) and completing partial checksums: every segment
// is checked against a naive full recomputation, and the payloads must add up again.
import XCTest
@testable import Packet

final class OffloadSegmenterTests: XCTestCase {
    typealias B = OffloadPacketBuilder
    static let capacity = 1500
    static let segmentSize = 1400

    // MARK: - TCP

    func testTCPv4SuperPacketSplitsLikeTSO() throws {
        try checkTCPSplit(.v4, payloadLength: 5000)
    }

    func testTCPv6SuperPacketSplitsLikeTSO() throws {
        try checkTCPSplit(.v6, payloadLength: 5000)
    }

    func testTCPExactMultipleOfSegmentSize() throws {
        try checkTCPSplit(.v4, payloadLength: 2 * Self.segmentSize)
    }

    func testTCPShorterThanOneSegment() throws {
        try checkTCPSplit(.v6, payloadLength: 100)
    }

    func testTCPWithoutNeedsChecksumFlagStillGetsFullChecksums() throws {
        try checkTCPSplit(.v4, payloadLength: 3000, flags: 0)
    }

    /// Flags, sequence numbers, IPv4 ids, lengths and checksums of each segment, and the
    /// payload put back together.
    private func checkTCPSplit(_ version: IPVersion, payloadLength: Int,
                               flags: UInt8 = VirtioNetHeader.needsChecksum) throws {
        let payload = B.pattern(payloadLength)
        var fields = B.TCPFields()
        fields.flags = [.ack, .psh, .fin, .cwr]
        let original = B.tcp(version, payload: payload, tcp: fields)
        let superPacket = B.partial(original, proto: IPProtocol.tcp)
        let transport = B.transportOffset(superPacket)
        let gsoType = (version == .v4 ? VirtioNetHeader.gsoTCPv4 : VirtioNetHeader.gsoTCPv6) | VirtioNetHeader.gsoECN
        // hdr_len is deliberately wrong: the segmenter must find the headers itself.
        let header = VirtioNetHeader(flags: flags, gsoType: gsoType, headerLength: 7,
                                     gsoSize: UInt16(Self.segmentSize), checksumStart: UInt16(transport),
                                     checksumOffset: UInt16(TCPHeader.checksumOffset))
        let segments = try split(header, superPacket)
        let headerLength = transport + TCPHeader.minimumLength + fields.options.count
        let expectedCount = (payloadLength + Self.segmentSize - 1) / Self.segmentSize
        XCTAssertEqual(segments.count, expectedCount)
        var rebuilt: [UInt8] = []
        for (i, segment) in segments.enumerated() {
            let piece = min(Self.segmentSize, payloadLength - i * Self.segmentSize)
            XCTAssertEqual(segment.count, headerLength + piece, "segment \(i) length")
            assertIPHeader(segment, version: version, index: i, original: original)
            XCTAssertEqual(B.read32(segment, transport + 4), fields.sequence &+ UInt32(i * Self.segmentSize), "seq \(i)")
            var flags: TCPFlags = [.ack]
            if i == 0 { flags.insert(.cwr) }
            if i == segments.count - 1 { flags.formUnion([.psh, .fin]) }
            XCTAssertEqual(TCPFlags(rawValue: segment[transport + 13]), flags, "flags of segment \(i)")
            XCTAssertEqual(Array(segment[(transport + 8)..<(transport + 13)]), Array(original[(transport + 8)..<(transport + 13)]),
                           "ack and data offset")
            XCTAssertEqual(Array(segment[(transport + 14)..<(transport + 16)]), Array(original[(transport + 14)..<(transport + 16)]))
            XCTAssertEqual(Array(segment[(transport + 20)..<headerLength]), fields.options)
            assertTransportChecksum(segment, version: version, proto: IPProtocol.tcp, index: i)
            rebuilt += segment[headerLength...]
        }
        XCTAssertEqual(rebuilt, payload)
    }

    func testTCPv6WithExtensionHeaderSplits() throws {
        let payload = B.pattern(3000, seed: 3)
        let plain = B.tcp(.v6, payload: payload)
        // Insert an 8-byte destination-options header (Pad6) between the fixed header and TCP.
        var packet = Array(plain[0..<40]) + [IPProtocol.tcp, 0, 1, 4, 0, 0, 0, 0] + plain[40...]
        packet[6] = IPProtocol.ipv6DestinationOptions
        ReferenceChecksum.write16(&packet, 4, UInt16(packet.count - 40))
        let header = VirtioNetHeader(flags: 0, gsoType: VirtioNetHeader.gsoTCPv6, headerLength: 0, gsoSize: 1000,
                                     checksumStart: 48, checksumOffset: 16)
        let segments = try split(header, packet)
        XCTAssertEqual(segments.map(\.count), [48 + 32 + 1000, 48 + 32 + 1000, 48 + 32 + 1000])
        for (i, segment) in segments.enumerated() {
            XCTAssertEqual(Int(ReferenceChecksum.read16(segment, 4)), segment.count - 40)
            XCTAssertEqual(Array(segment[40..<48]), Array(packet[40..<48]), "extension header copied")
            let value = ReferenceChecksum.transport(segment, version: .v6, offset: 48, proto: IPProtocol.tcp)
            XCTAssertEqual(ReferenceChecksum.read16(segment, 48 + 16), value, "TCP checksum of segment \(i)")
        }
        XCTAssertEqual(segments.flatMap { $0[80...] }, payload)
    }

    // MARK: - UDP

    func testUDPv4SuperPacketSplitsLikeUSO() throws {
        try checkUDPSplit(.v4)
    }

    func testUDPv6SuperPacketSplitsLikeUSO() throws {
        try checkUDPSplit(.v6)
    }

    private func checkUDPSplit(_ version: IPVersion) throws {
        let payload = B.pattern(3000, seed: 11)
        let original = B.udp(version, payload: payload)
        let transport = B.transportOffset(original)
        let header = VirtioNetHeader(flags: VirtioNetHeader.needsChecksum, gsoType: VirtioNetHeader.gsoUDPL4,
                                     headerLength: 0, gsoSize: 1200, checksumStart: UInt16(transport),
                                     checksumOffset: UInt16(UDPHeader.checksumOffset))
        let segments = try split(header, B.partial(original, proto: IPProtocol.udp))
        XCTAssertEqual(segments.map(\.count), [1200, 1200, 600].map { transport + 8 + $0 })
        for (i, segment) in segments.enumerated() {
            assertIPHeader(segment, version: version, index: i, original: original)
            XCTAssertEqual(Array(segment[transport..<(transport + 4)]), Array(original[transport..<(transport + 4)]), "ports")
            XCTAssertEqual(Int(ReferenceChecksum.read16(segment, transport + 4)), segment.count - transport, "UDP length")
            assertTransportChecksum(segment, version: version, proto: IPProtocol.udp, index: i)
        }
        XCTAssertEqual(segments.flatMap { $0[(transport + 8)...] }, payload)
    }

    // MARK: - Single packets

    func testNeedsChecksumOnSinglePacketsIsCompleted() throws {
        for version in [IPVersion.v4, .v6] {
            let tcp = B.tcp(version, payload: B.pattern(333))
            try checkCompletion(tcp, proto: IPProtocol.tcp)
            let udp = B.udp(version, payload: B.pattern(101, seed: 5))
            try checkCompletion(udp, proto: IPProtocol.udp)
        }
    }

    func testCompletedUDPChecksumOfZeroIsSentAsOnes() throws {
        var packet = B.udp(.v6, payload: B.pattern(100) + [0, 0])
        // A last payload word equal to the checksum c makes the sum S + ~S: the checksum becomes zero.
        let checksum = ReferenceChecksum.read16(packet, 46)
        ReferenceChecksum.write16(&packet, packet.count - 2, checksum)
        ReferenceChecksum.write16(&packet, 46, 0xffff)
        XCTAssertEqual(ReferenceChecksum.transport(packet, version: .v6, offset: 40, proto: IPProtocol.udp), 0xffff)
        try checkCompletion(packet, proto: IPProtocol.udp)
    }

    /// Both the copying plan and the in-place variant turn the partial checksum into `complete`.
    private func checkCompletion(_ complete: [UInt8], proto: UInt8,
                                 file: StaticString = #filePath, line: UInt = #line) throws {
        let transport = B.transportOffset(complete)
        let header = VirtioNetHeader(flags: VirtioNetHeader.needsChecksum, gsoType: VirtioNetHeader.gsoNone,
                                     headerLength: 0, gsoSize: 0, checksumStart: UInt16(transport),
                                     checksumOffset: UInt16(ReferenceChecksum.checksumFieldOffset(proto)!))
        let partial = B.partial(complete, proto: proto)
        XCTAssertNotEqual(partial, complete, file: file, line: line)
        XCTAssertEqual(try split(header, partial), [complete], file: file, line: line)
        var inPlace = partial
        try inPlace.withUnsafeMutableBytes { bytes in
            try OffloadSegmenter.completeChecksum(header, in: bytes)
        }
        XCTAssertEqual(inPlace, complete, file: file, line: line)
    }

    func testPlainPacketPassesUnchanged() throws {
        let packet = B.tcp(.v4, payload: B.pattern(200))
        XCTAssertEqual(try split(.none, packet), [packet])
        var inPlace = packet
        try inPlace.withUnsafeMutableBytes { bytes in
            try OffloadSegmenter.completeChecksum(.none, in: bytes)
        }
        XCTAssertEqual(inPlace, packet)
    }

    // MARK: - Rejections

    func testRejections() {
        let tcp4 = B.tcp(.v4, payload: B.pattern(3000))
        let tcp6 = B.tcp(.v6, payload: B.pattern(3000))
        let udp4 = B.udp(.v4, payload: B.pattern(3000))
        let tso4 = tsoHeader(VirtioNetHeader.gsoTCPv4, start: 20)
        let tso6 = tsoHeader(VirtioNetHeader.gsoTCPv6, start: 40)

        expect(tso4, Array(tcp4[0..<10]), .tooShort(length: 10, minimum: 20))
        expect(tso4, headerOnly(tcp4, length: 30), .tooShort(length: 30, minimum: 40))
        var single = VirtioNetHeader.none
        single.flags = VirtioNetHeader.needsChecksum
        single.checksumStart = 100
        single.checksumOffset = 16
        let small = Array(tcp4[0..<100])
        expect(single, small, .checksumFieldOutsidePacket(start: 100, offset: 16, length: 100))
        expectInPlace(single, small, .checksumFieldOutsidePacket(start: 100, offset: 16, length: 100))
        var zero = tso4
        zero.gsoSize = 0
        expect(zero, tcp4, .zeroSegmentSize)
        var ufo = tso4
        ufo.gsoType = 3
        expect(ufo, tcp4, .unknownSegmentationType(3))
        expect(tso4, tcp6, .versionMismatch(segmentationType: VirtioNetHeader.gsoTCPv4, version: 6))
        expect(tso6, tcp4, .versionMismatch(segmentationType: VirtioNetHeader.gsoTCPv6, version: 4))
        var uso = tso4
        uso.gsoType = VirtioNetHeader.gsoUDPL4
        uso.checksumOffset = 6
        var version5 = udp4
        version5[0] = 0x55
        expect(uso, version5, .versionMismatch(segmentationType: VirtioNetHeader.gsoUDPL4, version: 5))
        expect(tso4, udp4, .transportMismatch(segmentationType: VirtioNetHeader.gsoTCPv4, protocolNumber: IPProtocol.udp))
        expect(uso, tcp4, .transportMismatch(segmentationType: VirtioNetHeader.gsoUDPL4, protocolNumber: IPProtocol.tcp))
        var late = tso4
        late.checksumStart = 24
        expect(late, tcp4, .checksumStartMismatch(start: 24, transportOffset: 20))
        var wrongField = tso4
        wrongField.checksumOffset = 6
        expect(wrongField, tcp4, .checksumOffsetMismatch(offset: 6, expected: 16))
        var fragment = tcp4
        fragment[6] |= 0x20
        expect(tso4, fragment, .fragmented)
        var shortIHL = tcp4
        shortIHL[0] = 0x44
        expect(tso4, shortIHL, .malformedIPHeader(.badHeaderLength(headerLength: 16, available: tcp4.count)))
        var badOffset = tcp4
        badOffset[20 + 12] = 0x40
        expect(tso4, badOffset, .badTCPDataOffset(4))
        var pastEnd = headerOnly(tcp4, length: 60)
        pastEnd[20 + 12] = 0xf0
        expect(tso4, pastEnd, .badTCPDataOffset(15))
        expect(tso4, headerOnly(tcp4, length: 52), .noPayload)
        expect(tso4, tcp4, .segmentTooLarge(length: 52 + 1400, capacity: 1000), capacity: 1000)
        var tiny = tso4
        tiny.gsoSize = 1
        expect(tiny, tcp4, .tooManySegments(count: 3000, limit: OffloadSegmenter.maximumSegments))
        expect(.none, tcp4, .segmentTooLarge(length: tcp4.count, capacity: 1500))
    }

    func testMaximumSegmentsCoversTheKernelsSmallestMSS() throws {
        XCTAssertEqual(OffloadSegmenter.maximumSegments, 1366)
        let packet = B.tcp(.v4, payload: B.pattern(65535 - 52))
        var header = tsoHeader(VirtioNetHeader.gsoTCPv4, start: 20)
        header.gsoSize = 48
        let plan = try packet.withUnsafeBytes { bytes in
            try OffloadSegmenter.plan(header, packet: bytes, segmentCapacity: Self.capacity)
        }
        XCTAssertEqual(plan.count, 1365, "65483 payload bytes in 48-byte pieces")
    }

    // MARK: - Helpers

    private func tsoHeader(_ type: UInt8, start: UInt16) -> VirtioNetHeader {
        VirtioNetHeader(flags: VirtioNetHeader.needsChecksum, gsoType: type, headerLength: 0,
                        gsoSize: UInt16(Self.segmentSize), checksumStart: start, checksumOffset: 16)
    }

    /// The first `length` bytes, with the IP length fields saying so.
    private func headerOnly(_ packet: [UInt8], length: Int) -> [UInt8] {
        var bytes = Array(packet[0..<length])
        if bytes[0] >> 4 == 4 {
            ReferenceChecksum.write16(&bytes, 2, UInt16(length))
        } else {
            ReferenceChecksum.write16(&bytes, 4, UInt16(length - 40))
        }
        return bytes
    }

    private func expect(_ header: VirtioNetHeader, _ packet: [UInt8], _ error: OffloadError,
                        capacity: Int = capacity, file: StaticString = #filePath, line: UInt = #line) {
        let result = packet.withUnsafeBytes { bytes -> Result<SegmentPlan, OffloadError> in
            do throws(OffloadError) {
                return .success(try OffloadSegmenter.plan(header, packet: bytes, segmentCapacity: capacity))
            } catch {
                return .failure(error)
            }
        }
        XCTAssertEqual(result, .failure(error), file: file, line: line)
        XCTAssertFalse(error.description.isEmpty)
    }

    private func expectInPlace(_ header: VirtioNetHeader, _ packet: [UInt8], _ expected: OffloadError,
                               file: StaticString = #filePath, line: UInt = #line) {
        var bytes = packet
        bytes.withUnsafeMutableBytes { buffer in
            do throws(OffloadError) {
                try OffloadSegmenter.completeChecksum(header, in: buffer)
                XCTFail("accepted", file: file, line: line)
            } catch {
                XCTAssertEqual(error, expected, file: file, line: line)
            }
        }
        XCTAssertEqual(bytes, packet, "left untouched", file: file, line: line)
    }

    private func assertIPHeader(_ segment: [UInt8], version: IPVersion, index: Int, original: [UInt8],
                                file: StaticString = #filePath, line: UInt = #line) {
        switch version {
        case .v4:
            XCTAssertEqual(Int(ReferenceChecksum.read16(segment, 2)), segment.count, "total length \(index)", file: file, line: line)
            XCTAssertEqual(ReferenceChecksum.read16(segment, 4), ReferenceChecksum.read16(original, 4) &+ UInt16(index),
                           "id \(index)", file: file, line: line)
            XCTAssertEqual(ReferenceChecksum.read16(segment, 10), ReferenceChecksum.ipv4Header(segment),
                           "IPv4 header checksum \(index)", file: file, line: line)
            XCTAssertEqual(Array(segment[12..<20]), Array(original[12..<20]), file: file, line: line)
            XCTAssertEqual(segment[8], original[8], file: file, line: line)
        case .v6:
            XCTAssertEqual(Int(ReferenceChecksum.read16(segment, 4)), segment.count - 40, "payload length \(index)",
                           file: file, line: line)
            XCTAssertEqual(Array(segment[0..<4]) + segment[6..<40], Array(original[0..<4]) + original[6..<40],
                           file: file, line: line)
        }
    }

    private func assertTransportChecksum(_ segment: [UInt8], version: IPVersion, proto: UInt8, index: Int,
                                         file: StaticString = #filePath, line: UInt = #line) {
        let transport = B.transportOffset(segment)
        let field = transport + ReferenceChecksum.checksumFieldOffset(proto)!
        var zeroed = segment
        ReferenceChecksum.write16(&zeroed, field, 0)
        XCTAssertEqual(ReferenceChecksum.read16(segment, field),
                       ReferenceChecksum.transport(zeroed, version: version, offset: transport, proto: proto),
                       "transport checksum of segment \(index)", file: file, line: line)
    }

    /// Plans and writes every segment, each into a buffer of exactly `capacity` bytes.
    private func split(_ header: VirtioNetHeader, _ packet: [UInt8]) throws -> [[UInt8]] {
        try packet.withUnsafeBytes { bytes throws -> [[UInt8]] in
            let plan = try OffloadSegmenter.plan(header, packet: bytes, segmentCapacity: Self.capacity)
            var out = [UInt8](repeating: 0xaa, count: Self.capacity)
            return (0..<plan.count).map { i in
                let length = out.withUnsafeMutableBytes { plan.writeSegment(i, from: bytes, into: $0) }
                XCTAssertEqual(length, plan.segmentLength(i))
                return Array(out[0..<length])
            }
        }
    }
}
