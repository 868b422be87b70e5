// Fragments: the first carries the transport header (its checksum covers the whole
// datagram, and the incremental update stays right); later ones change only in the IP header.
import XCTest
import Addresses
@testable import Packet

final class FragmentTests: XCTestCase {
    static let identification: UInt32 = 0x0102_0304

    /// Splits a built datagram's transport data at `split` (a multiple of 8) into two fragments.
    func fragments(of built: BuiltPacket, split: Int) -> (first: [UInt8], later: [UInt8]) {
        let header = Array(built.bytes[0..<built.transportOffset])
        let data = Array(built.bytes[built.transportOffset...])
        switch built.version {
        case .v4:
            func fragment(_ part: ArraySlice<UInt8>, offset: Int, more: Bool) -> [UInt8] {
                var h = header
                ReferenceChecksum.write16(&h, 2, UInt16(h.count + part.count))
                ReferenceChecksum.write16(&h, 6, UInt16(offset / 8) | (more ? 0x2000 : 0))
                var bytes = h + part
                ReferenceChecksum.write16(&bytes, 10, ReferenceChecksum.ipv4Header(bytes))
                return bytes
            }
            return (fragment(data[0..<split], offset: 0, more: true), fragment(data[split...], offset: split, more: false))
        case .v6:
            func fragment(_ part: ArraySlice<UInt8>, offset: Int, more: Bool) -> [UInt8] {
                var h = header
                h[6] = IPProtocol.ipv6Fragment
                ReferenceChecksum.write16(&h, 4, UInt16(8 + part.count))
                var fh: [UInt8] = [built.transportProtocol, 0, 0, 0, 1, 2, 3, 4]
                ReferenceChecksum.write16(&fh, 2, UInt16(offset / 8) << 3 | (more ? 1 : 0))
                return h + fh + part
            }
            return (fragment(data[0..<split], offset: 0, more: true), fragment(data[split...], offset: split, more: false))
        }
    }

    func withPacket(_ bytes: inout [UInt8], _ body: (IPPacket) throws -> Void) rethrows {
        try bytes.withUnsafeMutableBytes { raw in
            guard let packet = IPPacket(buffer: raw, length: raw.count) else { return XCTFail("fragment must parse") }
            try body(packet)
        }
    }

    func testFirstFragmentChecksumMatchesWholeDatagramRewrite() throws {
        var factory = PacketFactory(seed: 30)
        var checked = 0
        for i in 0..<2000 {
            var built = factory.packet(version: i % 2 == 0 ? .v4 : .v6, transport: i % 4 < 2 ? IPProtocol.tcp : IPProtocol.udp,
                                       extensionHeaders: false)
            built.udpChecksumDisabled = false
            built.fillChecksums()
            let headerLength = built.transportProtocol == IPProtocol.tcp
                ? Int(built.bytes[built.transportOffset + 12] >> 4) * 4 : 8
            let split = (headerLength + 7) / 8 * 8
            guard built.bytes.count - built.transportOffset > split else { continue }
            var (first, later) = fragments(of: built, split: split)
            let address: IPAddress = built.version == .v4 ? .v4(IPv4Address(203, 0, 113, 9))
                                                          : .v6(IPv6Address(high: 0x2001_0db8 << 32, low: 9))
            var whole = built.bytes
            let rewrite = { (packet: IPPacket) throws in
                try packet.rewriteSource(address)
                try packet.rewriteSourcePort(40000)
            }
            try withPacket(&whole, rewrite)
            built.assertChecksumsMatchReference(whole, "whole datagram rewrite")
            try withPacket(&first) { packet in
                XCTAssertTrue(packet.isFragment && packet.isFirstFragment && packet.hasTransportHeader)
                try rewrite(packet)
            }
            let field = built.transportProtocol == IPProtocol.tcp ? 16 : 6
            let firstTransport = built.version == .v4 ? built.transportOffset : built.transportOffset + 8
            XCTAssertEqual(ReferenceChecksum.read16(first, firstTransport + field),
                           ReferenceChecksum.read16(whole, built.transportOffset + field),
                           "the first fragment's checksum covers the whole datagram")
            if built.version == .v4 {
                XCTAssertEqual(ReferenceChecksum.read16(first, 10), ReferenceChecksum.ipv4Header(first))
            }
            let laterPayload = Array(later[(later.count - (built.bytes.count - built.transportOffset - split))...])
            try withPacket(&later) { packet in
                XCTAssertTrue(packet.isFragment)
                XCTAssertFalse(packet.isFirstFragment || packet.hasTransportHeader)
                XCTAssertEqual(Int(packet.fragmentOffset), split / 8)
                XCTAssertNil(packet.tcp)
                XCTAssertNil(packet.udp)
                XCTAssertNil(packet.sourcePort)
                XCTAssertThrowsError(try packet.rewriteSourcePort(1))
                try packet.rewriteSource(address)
            }
            XCTAssertEqual(Array(later[(later.count - laterPayload.count)...]), laterPayload,
                           "a later fragment's data is not touched")
            if built.version == .v4 {
                XCTAssertEqual(ReferenceChecksum.read16(later, 10), ReferenceChecksum.ipv4Header(later))
            }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 500)
    }

    func testIPv6FragmentHeaderIsReported() {
        var factory = PacketFactory(seed: 31)
        let built = factory.packet(version: .v6, transport: IPProtocol.udp, extensionHeaders: false)
        var (_, later) = fragments(of: built, split: 8)
        later.withUnsafeMutableBytes { raw in
            guard let packet = IPPacket(buffer: raw, length: raw.count),
                  let upper = try? packet.ipv6?.upperLayer() else { return XCTFail("must parse") }
            XCTAssertEqual(packet.fragmentIdentification, Self.identification)
            XCTAssertEqual(upper.fragment, IPv6FragmentInfo(offset: 1, moreFragments: false,
                                                           identification: Self.identification, headerOffset: 40))
            XCTAssertEqual(upper.protocolNumber, IPProtocol.udp)
            XCTAssertEqual(packet.transportOffset, 48)
        }
    }

    func testTinyFirstFragmentIsRejected() throws {
        // A first fragment too short for its TCP header (RFC 1858) is refused.
        var factory = PacketFactory(seed: 32)
        let built = factory.packet(version: .v4, transport: IPProtocol.tcp)
        var (first, _) = fragments(of: built, split: 8)
        try first.withUnsafeMutableBytes { raw in
            XCTAssertThrowsError(try IPPacket.parse(raw, length: raw.count)) {
                XCTAssertEqual($0 as? PacketError, .truncated(protocolNumber: 6, needed: 20, available: 8))
            }
        }
    }
}
