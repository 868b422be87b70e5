// IPv6 extension-header walking: found in order, bounded in length and count.
import XCTest
@testable import Packet

final class ExtensionHeaderTests: XCTestCase {
    /// An IPv6 packet whose fixed header says `first`, followed by `rest` bytes.
    func ipv6(first: UInt8, _ rest: [UInt8]) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 40)
        h[0] = 0x60
        ReferenceChecksum.write16(&h, 4, UInt16(rest.count))
        h[6] = first
        h[7] = 64
        return h + rest
    }

    func parse(_ bytes: [UInt8]) -> Result<IPPacket, PacketError> {
        var copy = bytes
        return copy.withUnsafeMutableBytes { raw in
            Result { () throws(PacketError) -> IPPacket in try IPPacket.parse(raw, length: raw.count) }
        }
    }

    let udp: [UInt8] = [0, 53, 0, 53, 0, 8, 0, 0]

    func testWalksHopByHopRoutingAndDestinationOptions() throws {
        let hopByHop: [UInt8] = [IPProtocol.ipv6Routing, 0, 1, 4, 0, 0, 0, 0]
        let routing: [UInt8] = [IPProtocol.ipv6DestinationOptions, 1, 4, 0] + [UInt8](repeating: 0, count: 12)
        let destination: [UInt8] = [IPProtocol.udp, 0, 1, 4, 0, 0, 0, 0]
        let packet = try parse(ipv6(first: IPProtocol.hopByHop, hopByHop + routing + destination + udp)).get()
        XCTAssertEqual(packet.transportProtocol, IPProtocol.udp)
        XCTAssertEqual(packet.transportOffset, 40 + 8 + 16 + 8)
        XCTAssertEqual(packet.transportLength, 8)
        XCTAssertEqual(packet.udp?.destinationPort, 53)
        XCTAssertFalse(packet.isFragment)
    }

    /// The NAT refuses packets a routing header still steers: their destination field is
    /// only the next hop. The largest segments-left of the headers walked is reported.
    func testRoutingHeaderSegmentsLeft() throws {
        for left: UInt8 in [0, 1, 3] {
            let routing: [UInt8] = [IPProtocol.udp, 0, 4, left, 0, 0, 0, 0]
            let packet = try parse(ipv6(first: IPProtocol.ipv6Routing, routing + udp)).get()
            XCTAssertEqual(packet.routingSegmentsLeft, left)
            XCTAssertEqual(packet.udp?.destinationPort, 53)
        }
        let hopByHop: [UInt8] = [IPProtocol.udp, 0, 1, 4, 0, 0, 0, 0]
        XCTAssertEqual(try parse(ipv6(first: IPProtocol.hopByHop, hopByHop + udp)).get().routingSegmentsLeft, 0)
    }

    func testNoNextHeaderHasEmptyTransport() throws {
        let packet = try parse(ipv6(first: IPProtocol.ipv6NoNextHeader, [])).get()
        XCTAssertEqual(packet.transportProtocol, IPProtocol.ipv6NoNextHeader)
        XCTAssertEqual(packet.transportLength, 0)
        XCTAssertNil(packet.udp)
    }

    func testFirstFragmentContinuesWalking() throws {
        let fragment: [UInt8] = [IPProtocol.ipv6DestinationOptions, 0, 0, 1, 0xaa, 0xbb, 0xcc, 0xdd]
        let destination: [UInt8] = [IPProtocol.udp, 0, 1, 4, 0, 0, 0, 0]
        let packet = try parse(ipv6(first: IPProtocol.ipv6Fragment, fragment + destination + udp)).get()
        XCTAssertTrue(packet.isFirstFragment)
        XCTAssertEqual(packet.fragmentIdentification, 0xaabb_ccdd)
        XCTAssertEqual(packet.transportOffset, 56)
        XCTAssertNotNil(packet.udp)
    }

    func testNonFirstFragmentStopsAtFragmentHeader() throws {
        // What follows a non-first fragment header is data, even if it looks like a header.
        let fragment: [UInt8] = [IPProtocol.ipv6DestinationOptions, 0, 0, 0x10, 0, 0, 0, 7]
        let packet = try parse(ipv6(first: IPProtocol.ipv6Fragment, fragment + [0xff, 0xff, 1, 2])).get()
        XCTAssertEqual(packet.fragmentOffset, 2)
        XCTAssertFalse(packet.hasTransportHeader)
        XCTAssertEqual(packet.transportProtocol, IPProtocol.ipv6DestinationOptions)
        XCTAssertEqual(packet.transportOffset, 48)
    }

    func testTruncatedExtensionHeaderIsRejected() {
        XCTAssertEqual(parse(ipv6(first: IPProtocol.hopByHop, [IPProtocol.udp, 0, 1, 2])).failure,
                       .truncated(protocolNumber: IPProtocol.hopByHop, needed: 8, available: 4))
        XCTAssertEqual(parse(ipv6(first: IPProtocol.ipv6DestinationOptions, [IPProtocol.udp, 3, 0, 0, 0, 0, 0, 0])).failure,
                       .truncated(protocolNumber: IPProtocol.ipv6DestinationOptions, needed: 32, available: 8))
    }

    func testExtensionHeaderCountIsBounded() {
        let one: [UInt8] = [IPProtocol.ipv6DestinationOptions, 0, 1, 4, 0, 0, 0, 0]
        let many = Array([[UInt8]](repeating: one, count: IPv6Header.maxExtensionHeaders + 1).joined())
        XCTAssertEqual(parse(ipv6(first: IPProtocol.ipv6DestinationOptions, many)).failure,
                       .tooManyExtensionHeaders(limit: IPv6Header.maxExtensionHeaders))
    }

    func testPayloadLengthPastBufferIsRejected() {
        var bytes = ipv6(first: IPProtocol.udp, udp)
        ReferenceChecksum.write16(&bytes, 4, 9)
        XCTAssertEqual(parse(bytes).failure, .badTotalLength(declared: 49, available: 48))
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let e) = self { return e }
        return nil
    }
}
