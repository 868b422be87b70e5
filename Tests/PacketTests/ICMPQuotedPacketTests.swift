// ICMP errors quoting a packet: the quote is found, and rewriting it gives the same
// inner bytes as rewriting the original packet, with the outer ICMP checksum right.
import XCTest
import Addresses
@testable import Packet

final class ICMPQuotedPacketTests: XCTestCase {
    /// An ICMP(v6) error of `version` quoting the first `quoted` bytes of `inner`.
    func icmpError(quoting inner: [UInt8], quoted: Int, version: IPVersion,
                   factory: inout PacketFactory) -> BuiltPacket {
        let type: UInt8 = version == .v4 ? ICMPv4Header.destinationUnreachable : ICMPv6Header.destinationUnreachable
        let message: [UInt8] = [type, 3, 0, 0, 0, 0, 0, 0] + inner[0..<quoted]
        let proto = version == .v4 ? IPProtocol.icmpv4 : IPProtocol.icmpv6
        return factory.packet(version: version, proto: proto, segment: message)
    }

    func address(_ version: IPVersion) -> IPAddress {
        version == .v4 ? .v4(IPv4Address(198, 51, 100, 7)) : .v6(IPv6Address(high: 0x2001_0db8_0000_0001, low: 7))
    }

    func testQuotedRewritesMatchOriginalRewrites() throws {
        var factory = PacketFactory(seed: 50)
        var withPorts = 0
        for i in 0..<3000 {
            let version: IPVersion = i % 2 == 0 ? .v4 : .v6
            var inner = factory.packet(version: version)
            if inner.transportProtocol == IPProtocol.icmpv4 || inner.transportProtocol == IPProtocol.icmpv6 {
                inner.bytes[inner.transportOffset] = version == .v4 ? ICMPv4Header.echoRequest : ICMPv6Header.echoRequest
                inner.fillChecksums()
            }
            let cuts = [inner.transportOffset + 4, inner.transportOffset + 8, inner.bytes.count]
            let quoted = min(cuts[i % 3], inner.bytes.count)
            let outer = icmpError(quoting: inner.bytes, quoted: quoted, version: version, factory: &factory)
            let newAddress = address(version)
            let newValue = UInt16(truncatingIfNeeded: i)

            var expected = inner.bytes
            expected.withUnsafeMutableBytes { raw in
                guard let packet = IPPacket(buffer: raw, length: raw.count) else { return XCTFail("inner must parse") }
                try? packet.rewriteSource(newAddress)
                if packet.hasPorts, quoted >= inner.transportOffset + 4 { try? packet.rewriteSourcePort(newValue) }
                if packet.echoIdentifier != nil, quoted >= inner.transportOffset + 6 { try? packet.rewriteEchoIdentifier(newValue) }
            }

            var bytes = outer.bytes
            try bytes.withUnsafeMutableBytes { raw in
                guard let packet = IPPacket(buffer: raw, length: raw.count), let quote = packet.quotedPacket else {
                    return XCTFail("the error and its quote must parse")
                }
                XCTAssertEqual(quote.transportProtocol, inner.transportProtocol)
                XCTAssertEqual(quote.transportOffset, inner.transportOffset)
                try quote.rewriteSource(newAddress)
                XCTAssertEqual(quote.source, newAddress)
                if quote.sourcePort != nil { try quote.rewriteSourcePort(newValue); withPorts += 1 }
                if quote.echoIdentifier != nil { try quote.rewriteEchoIdentifier(newValue) }
            }
            outer.assertChecksumsMatchReference(bytes, "quoted packet rewrite")
            XCTAssertEqual(Array(bytes[(outer.transportOffset + 8)...]), Array(expected[0..<quoted]),
                           "the quote reads as the rewritten original, inner checksums included")
        }
        XCTAssertGreaterThan(withPorts, 500)
    }

    func testNonErrorsHaveNoQuote() {
        var factory = PacketFactory(seed: 51)
        var echo = factory.packet(version: .v4, transport: IPProtocol.icmpv4)
        echo.bytes[echo.transportOffset] = ICMPv4Header.echoRequest
        echo.fillChecksums()
        XCTAssertEqual(echo.withPacket { $0.quotedPacket == nil }, true)
        let udp = factory.packet(version: .v6, transport: IPProtocol.udp)
        XCTAssertEqual(udp.withPacket { $0.quotedPacket == nil }, true)
    }

    func testIncompleteQuotedHeaderIsRefused() {
        var factory = PacketFactory(seed: 52)
        for version in [IPVersion.v4, .v6] {
            let inner = factory.packet(version: version, transport: IPProtocol.udp, extensionHeaders: false)
            let outer = icmpError(quoting: inner.bytes, quoted: inner.transportOffset - 1, version: version, factory: &factory)
            XCTAssertEqual(outer.withPacket { $0.quotedPacket == nil }, true, "a cut inner IP header is no quote")
        }
    }

    func testShortQuoteHasNoPorts() throws {
        var factory = PacketFactory(seed: 53)
        let inner = factory.packet(version: .v4, transport: IPProtocol.tcp)
        let outer = icmpError(quoting: inner.bytes, quoted: inner.transportOffset + 2, version: .v4, factory: &factory)
        let result = outer.withPacket { packet -> RewriteError? in
            guard let quote = packet.quotedPacket else { return nil }
            XCTAssertNil(quote.sourcePort)
            do { try quote.rewriteSourcePort(1); return nil } catch { return error as? RewriteError }
        }
        XCTAssertEqual(result, .noPorts(protocolNumber: IPProtocol.tcp))
    }

    /// A quoted IPv4 fragment's identification is rewritten like the original's would be
    /// (inner header checksum included) and the outer checksum equals a full recomputation.
    func testQuotedFragmentIdentification() throws {
        var factory = PacketFactory(seed: 54)
        for i in 0..<1000 {
            var inner = factory.packet(version: .v4, transport: IPProtocol.udp)
            let fragment = i % 2 == 0
            // More fragments, offset 0: a first fragment. Otherwise a whole datagram.
            inner.bytes[6] = fragment ? 0x20 : 0x40
            inner.bytes[7] = 0
            inner.fillChecksums()
            let original = ReferenceChecksum.read16(inner.bytes, 4)
            let newID = UInt16(truncatingIfNeeded: i &* 7919)
            var expected = inner.bytes
            expected.withUnsafeMutableBytes { raw in try? IPPacket(buffer: raw, length: raw.count)!.rewriteIdentification(newID) }
            let quoted = inner.transportOffset + 8
            let outer = icmpError(quoting: inner.bytes, quoted: quoted, version: .v4, factory: &factory)
            var bytes = outer.bytes
            try bytes.withUnsafeMutableBytes { raw in
                let quote = try XCTUnwrap(IPPacket(buffer: raw, length: raw.count)?.quotedPacket)
                XCTAssertEqual(quote.fragmentIdentification, fragment ? original : nil)
                try quote.rewriteIdentification(newID)
            }
            outer.assertChecksumsMatchReference(bytes, "quoted identification rewrite")
            XCTAssertEqual(Array(bytes[(outer.transportOffset + 8)...]), Array(expected[0..<quoted]))
        }
    }
}
