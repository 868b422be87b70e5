import Addresses
import XCTest
@testable import Packet

final class ICMPTimeExceededTests: XCTestCase {
    private func withPacket(_ bytes: [UInt8], _ body: (IPPacket) throws -> Void) rethrows {
        var copy = bytes
        try copy.withUnsafeMutableBytes { raw in
            let packet = try XCTUnwrap(IPPacket(buffer: raw, length: raw.count))
            try body(packet)
        }
    }

    func testIPv4QuotesHeaderAndEightBytesWithValidChecksums() throws {
        var factory = PacketFactory(seed: 7)
        for _ in 0..<200 {
            let original = factory.packet(version: .v4).bytes
            try withPacket(original) { packet in
                let out = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
                defer { out.deallocate() }
                let length = try XCTUnwrap(ICMPTimeExceeded.build(for: packet, from: IPAddress("100.64.0.1")!, into: out))
                let reply = try XCTUnwrap(IPPacket(buffer: out, length: length))
                XCTAssertTrue(reply.hasValidChecksums)
                XCTAssertEqual(reply.destination, packet.source)
                XCTAssertEqual(reply.icmpv4?.type, ICMPv4Header.timeExceeded)
                XCTAssertEqual(reply.icmpv4?.code, 0)
                XCTAssertEqual(length, 28 + min(packet.length, packet.transportOffset + 8))
                XCTAssertEqual(reply.quotedPacket?.source, packet.source)
            }
        }
    }

    func testIPv6QuotesUpToTheMinimumMTU() throws {
        var factory = PacketFactory(seed: 9)
        for _ in 0..<200 {
            let original = factory.packet(version: .v6).bytes
            try withPacket(original) { packet in
                let out = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
                defer { out.deallocate() }
                let length = try XCTUnwrap(ICMPTimeExceeded.build(for: packet, from: IPAddress("2001:db8:100::1")!, into: out))
                XCTAssertLessThanOrEqual(length, 1280)
                let reply = try XCTUnwrap(IPPacket(buffer: out, length: length))
                XCTAssertTrue(reply.hasValidChecksums)
                XCTAssertEqual(reply.icmpv6?.type, ICMPv6Header.timeExceeded)
                XCTAssertEqual(reply.destination, packet.source)
            }
        }
    }

    func testRefusesMixedFamiliesAndSmallBuffers() throws {
        var factory = PacketFactory(seed: 11)
        let original = factory.packet(version: .v4).bytes
        withPacket(original) { packet in
            let out = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
            defer { out.deallocate() }
            XCTAssertNil(ICMPTimeExceeded.build(for: packet, from: IPAddress("2001:db8::1")!, into: out))
            XCTAssertNil(ICMPTimeExceeded.build(for: packet, from: IPAddress("100.64.0.1")!,
                                                into: UnsafeMutableRawBufferPointer(rebasing: out[0..<20])))
        }
    }
}
