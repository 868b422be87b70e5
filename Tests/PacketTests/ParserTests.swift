// Parsing: valid packets read back what was built; truncated, inconsistent and random
// buffers are rejected or parsed safely, never trapping.
import XCTest
import Addresses
@testable import Packet

final class ParserTests: XCTestCase {
    func parse(_ bytes: [UInt8], length: Int? = nil) -> Result<IPPacket, PacketError> {
        var copy = bytes
        return copy.withUnsafeMutableBytes { raw in
            do throws(PacketError) { return .success(try IPPacket.parse(raw, length: length ?? raw.count)) }
            catch { return .failure(error) }
        }
    }

    func error(_ bytes: [UInt8], length: Int? = nil) -> PacketError? {
        if case .failure(let e) = parse(bytes, length: length) { return e }
        return nil
    }

    func testRandomValidPacketsReadBack() {
        var factory = PacketFactory(seed: 10)
        for _ in 0..<3000 {
            let built = factory.packet()
            let ok = built.withPacket { packet -> Bool in
                XCTAssertEqual(packet.version, built.version)
                XCTAssertEqual(packet.length, built.bytes.count)
                XCTAssertEqual(packet.transportOffset, built.transportOffset)
                XCTAssertEqual(packet.transportProtocol, built.transportProtocol)
                XCTAssertFalse(packet.isFragment)
                XCTAssertTrue(packet.hasValidChecksums)
                XCTAssertEqual(packet.source.bytes, Array(built.bytes[built.version == .v4 ? 12..<16 : 8..<24]))
                XCTAssertEqual(packet.destination.bytes, Array(built.bytes[built.version == .v4 ? 16..<20 : 24..<40]))
                XCTAssertEqual(packet.tcp != nil, built.transportProtocol == IPProtocol.tcp)
                XCTAssertEqual(packet.udp != nil, built.transportProtocol == IPProtocol.udp)
                XCTAssertEqual(packet.icmpv4 != nil, built.transportProtocol == IPProtocol.icmpv4)
                XCTAssertEqual(packet.icmpv6 != nil, built.transportProtocol == IPProtocol.icmpv6)
                if packet.hasPorts {
                    XCTAssertEqual(packet.sourcePort, ReferenceChecksum.read16(built.bytes, built.transportOffset))
                    XCTAssertEqual(packet.destinationPort, ReferenceChecksum.read16(built.bytes, built.transportOffset + 2))
                }
                return true
            }
            XCTAssertEqual(ok, true, "a valid packet must parse")
        }
    }

    func testFullRecomputationAgreesWithReference() {
        var factory = PacketFactory(seed: 11)
        for _ in 0..<2000 {
            var built = factory.packet()
            built.udpChecksumDisabled = false
            built.fillChecksums()
            var scrambled = built.bytes
            if built.version == .v4 { ReferenceChecksum.write16(&scrambled, 10, 0x1234) }
            if let field = built.transportChecksumField { ReferenceChecksum.write16(&scrambled, field, 0x4321) }
            scrambled.withUnsafeMutableBytes { raw in
                guard let packet = IPPacket(buffer: raw, length: raw.count) else { return XCTFail("must parse") }
                packet.recomputeChecksums()
            }
            XCTAssertEqual(scrambled, built.bytes)
        }
    }

    func testBufferMayExtendPastThePacket() {
        var factory = PacketFactory(seed: 12)
        let built = factory.packet(version: .v4, transport: IPProtocol.udp)
        var buffer = built.bytes + [UInt8](repeating: 0xee, count: 30)
        buffer.withUnsafeMutableBytes { raw in
            let packet = IPPacket(buffer: raw, length: raw.count)
            XCTAssertEqual(packet?.length, built.bytes.count, "the view stops at the declared length")
        }
    }

    func testEveryTruncationIsRejected() {
        var factory = PacketFactory(seed: 13)
        for _ in 0..<300 {
            let built = factory.packet()
            for cut in 0..<built.bytes.count {
                XCTAssertNotNil(error(Array(built.bytes[0..<cut])), "a packet cut to \(cut) bytes must be rejected")
                XCTAssertNotNil(error(built.bytes, length: cut), "a length of \(cut) must be rejected")
            }
        }
    }

    func testRandomBuffersNeverTrap() {
        var rng = SeededGenerator(seed: 14)
        var accepted = 0
        for i in 0..<20000 {
            var buffer = rng.bytes(Int.random(in: 0...96, using: &rng))
            if !buffer.isEmpty && i % 2 == 0 { buffer[0] = i % 4 == 0 ? 0x45 : 0x60 }
            if buffer.count >= 4 && i % 3 == 0 { ReferenceChecksum.write16(&buffer, 2, UInt16(buffer.count)) }
            if buffer.count >= 6 && i % 5 == 0 { ReferenceChecksum.write16(&buffer, 4, UInt16(max(0, buffer.count - 40))) }
            if exercise(&buffer) { accepted += 1 }
        }
        XCTAssertGreaterThan(accepted, 100, "the fuzzer should reach past the header checks")
    }

    func testCorruptedValidPacketsNeverTrap() {
        var factory = PacketFactory(seed: 15)
        for _ in 0..<5000 {
            var bytes = factory.packet().bytes
            for _ in 0..<Int.random(in: 1...4, using: &factory.rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &factory.rng)] = factory.rng.byte()
            }
            _ = exercise(&bytes)
        }
    }

    /// Parses and, if accepted, touches every accessor and rewrite; checks the view's bounds.
    func exercise(_ buffer: inout [UInt8]) -> Bool {
        buffer.withUnsafeMutableBytes { raw -> Bool in
            guard let packet = IPPacket(buffer: raw, length: raw.count) else { return false }
            XCTAssertLessThanOrEqual(packet.length, raw.count)
            XCTAssertLessThanOrEqual(packet.transportOffset, packet.length)
            _ = (packet.source, packet.destination, packet.sourcePort, packet.echoIdentifier, packet.hasValidChecksums)
            _ = (packet.tcp?.maximumSegmentSize, packet.tcp?.options.count, packet.udp?.length)
            _ = packet.quotedPacket?.transportProtocol
            _ = packet.clampTCPMSS(to: 1200)
            try? packet.rewriteSource(packet.destination)
            try? packet.rewriteSourcePort(7)
            try? packet.rewriteEchoIdentifier(9)
            try? packet.turnIntoEchoReply()
            if let quoted = packet.quotedPacket {
                try? quoted.rewriteSource(quoted.destination)
                try? quoted.rewriteSourcePort(5)
                try? quoted.rewriteEchoIdentifier(6)
            }
            packet.recomputeChecksums()
            return true
        }
    }

    func testInconsistentIPv4HeadersAreRejected() {
        var factory = PacketFactory(seed: 16)
        let good = factory.packet(version: .v4, transport: PacketFactory.opaqueProtocol).bytes
        var b = good
        b[0] = 0x44
        XCTAssertEqual(error(b), .badHeaderLength(headerLength: 16, available: good.count))
        b = good; b[0] = 0x4f
        if good.count < 60 { XCTAssertEqual(error(b), .badHeaderLength(headerLength: 60, available: good.count)) }
        b = good; ReferenceChecksum.write16(&b, 2, 19)
        XCTAssertEqual(error(b), .badTotalLength(declared: 19, available: good.count))
        b = good; ReferenceChecksum.write16(&b, 2, UInt16(good.count + 1))
        XCTAssertEqual(error(b), .badTotalLength(declared: good.count + 1, available: good.count))
        b = good; b[0] = 0x55
        XCTAssertEqual(error(b), .badVersion(5))
        XCTAssertEqual(error([]), .tooShort(length: 0, minimum: 20))
        XCTAssertEqual(error(Array(good[0..<19])), .tooShort(length: 19, minimum: 20))
        XCTAssertEqual(error(good, length: good.count + 1), .lengthOutsideBuffer(length: good.count + 1, bufferSize: good.count))
        XCTAssertEqual(error(good, length: -1), .lengthOutsideBuffer(length: -1, bufferSize: good.count))
    }

    func testInconsistentTransportHeadersAreRejected() {
        var factory = PacketFactory(seed: 17)
        for version in [IPVersion.v4, .v6] {
            let tcp = factory.packet(version: version, transport: IPProtocol.tcp, extensionHeaders: false)
            var b = tcp.bytes
            b[tcp.transportOffset + 12] = 0x40
            XCTAssertEqual(error(b), .badTransportHeader(protocolNumber: 6, field: "data offset", value: 4))
            b[tcp.transportOffset + 12] = 0xf0
            if tcp.bytes.count - tcp.transportOffset < 60 {
                XCTAssertEqual(error(b), .truncated(protocolNumber: 6, needed: 60,
                                                    available: tcp.bytes.count - tcp.transportOffset))
            }

            let udp = factory.packet(version: version, transport: IPProtocol.udp, extensionHeaders: false)
            b = udp.bytes
            let udpLength = udp.bytes.count - udp.transportOffset
            ReferenceChecksum.write16(&b, udp.transportOffset + 4, UInt16(udpLength - 1))
            XCTAssertEqual(error(b), .badTransportHeader(protocolNumber: 17, field: "length", value: udpLength - 1))
        }
    }

    func testTooShortTransportIsRejected() {
        // An IPv4 header declaring UDP with only 4 bytes after it.
        var b: [UInt8] = [0x45, 0, 0, 24, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 1, 2, 3, 4]
        XCTAssertEqual(error(b), .truncated(protocolNumber: 17, needed: 8, available: 4))
        b[9] = 1
        XCTAssertEqual(error(b), .truncated(protocolNumber: 1, needed: 8, available: 4))
        b[9] = 47
        XCTAssertNil(error(b), "an unknown protocol is opaque payload")
    }
}
