// Every rewrite, over thousands of random valid packets: the field changes, nothing
// else does, and every incrementally updated checksum equals a full recomputation.
import XCTest
import Addresses
@testable import Packet

final class RewriteTests: XCTestCase {
    static let rounds = 3000

    func randomAddress(_ version: IPVersion, _ rng: inout SeededGenerator) -> IPAddress {
        version == .v4 ? .v4(IPv4Address(UInt32(truncatingIfNeeded: rng.next())))
                       : .v6(IPv6Address(high: rng.next(), low: rng.next()))
    }

    /// Applies `rewrite` to `built`'s bytes, asserts checksums against the reference, returns the bytes.
    @discardableResult
    func rewritten(_ built: BuiltPacket, _ context: String,
                   _ rewrite: (IPPacket) throws -> Void) rethrows -> [UInt8] {
        var bytes = built.bytes
        try bytes.withUnsafeMutableBytes { raw in
            guard let packet = IPPacket(buffer: raw, length: raw.count) else { return XCTFail("must parse") }
            try rewrite(packet)
        }
        built.assertChecksumsMatchReference(bytes, context)
        return bytes
    }

    func testSourceAndDestinationAddresses() throws {
        var factory = PacketFactory(seed: 20)
        for i in 0..<Self.rounds {
            let built = factory.packet()
            let address = randomAddress(built.version, &factory.rng)
            let destination = i % 2 == 0
            let bytes = try rewritten(built, destination ? "destination rewrite" : "source rewrite") { packet in
                if destination { try packet.rewriteDestination(address) } else { try packet.rewriteSource(address) }
            }
            let range = built.version == .v4 ? (destination ? 16..<20 : 12..<16) : (destination ? 24..<40 : 8..<24)
            XCTAssertEqual(Array(bytes[range]), address.bytes)
        }
    }

    func testPorts() throws {
        var factory = PacketFactory(seed: 21)
        for i in 0..<Self.rounds {
            let built = factory.packet(transport: i % 2 == 0 ? IPProtocol.tcp : IPProtocol.udp)
            let port = UInt16.random(in: 0...0xffff, using: &factory.rng)
            let destination = i % 4 < 2
            let bytes = try rewritten(built, "port rewrite") { packet in
                if destination { try packet.rewriteDestinationPort(port) } else { try packet.rewriteSourcePort(port) }
            }
            XCTAssertEqual(ReferenceChecksum.read16(bytes, built.transportOffset + (destination ? 2 : 0)), port)
        }
    }

    func testEchoIdentifiers() throws {
        var factory = PacketFactory(seed: 22)
        var echoes = 0
        for i in 0..<Self.rounds {
            let version: IPVersion = i % 2 == 0 ? .v4 : .v6
            var built = factory.packet(version: version, transport: version == .v4 ? IPProtocol.icmpv4 : IPProtocol.icmpv6)
            built.bytes[built.transportOffset] = version == .v4 ? [8, 0][i % 4 / 2] : [128, 129][i % 4 / 2]
            built.fillChecksums()
            let id = UInt16.random(in: 0...0xffff, using: &factory.rng)
            let bytes = try rewritten(built, "echo id rewrite") { try $0.rewriteEchoIdentifier(id) }
            XCTAssertEqual(ReferenceChecksum.read16(bytes, built.transportOffset + 4), id)
            echoes += 1
        }
        XCTAssertEqual(echoes, Self.rounds)
    }

    func testCombinedNATRewrites() throws {
        // What the NAT does on both directions: address and port (or echo id) together.
        var factory = PacketFactory(seed: 23)
        for _ in 0..<Self.rounds {
            let built = factory.packet()
            let address = randomAddress(built.version, &factory.rng)
            let value = UInt16.random(in: 0...0xffff, using: &factory.rng)
            try rewritten(built, "NAT rewrite") { packet in
                try packet.rewriteSource(address)
                try packet.rewriteDestination(address)
                if packet.hasPorts { try packet.rewriteSourcePort(value) }
                if packet.echoIdentifier != nil { try packet.rewriteEchoIdentifier(value) }
                packet.rewriteHopLimit(UInt8(truncatingIfNeeded: value))
            }
        }
    }

    func testZeroUDPChecksumStaysZero() throws {
        var factory = PacketFactory(seed: 24)
        var zeros = 0
        for _ in 0..<Self.rounds {
            var built = factory.packet(version: .v4, transport: IPProtocol.udp)
            built.udpChecksumDisabled = true
            built.fillChecksums()
            let address = randomAddress(.v4, &factory.rng)
            let bytes = try rewritten(built, "rewrite of checksum-less UDP") { packet in
                try packet.rewriteSource(address)
                try packet.rewriteDestinationPort(53)
            }
            if ReferenceChecksum.read16(bytes, built.transportOffset + 6) == 0 { zeros += 1 }
        }
        XCTAssertEqual(zeros, Self.rounds)
    }

    /// The NAT gives fragmented IPv4 datagrams ids of their own: the header checksum
    /// must equal a full recomputation, and IPv6 (no such field) is refused.
    func testIdentification() throws {
        var factory = PacketFactory(seed: 27)
        for _ in 0..<Self.rounds {
            let built = factory.packet(version: .v4)
            let id = UInt16.random(in: 0...0xffff, using: &factory.rng)
            let bytes = try rewritten(built, "identification rewrite") { try $0.rewriteIdentification(id) }
            XCTAssertEqual(ReferenceChecksum.read16(bytes, 4), id)
            XCTAssertEqual(Array(bytes[6...]).count, built.bytes.count - 6)
            XCTAssertEqual(Array(bytes[6..<10]), Array(built.bytes[6..<10]), "flags, offset, TTL, protocol untouched")
            XCTAssertEqual(Array(bytes[12...]), Array(built.bytes[12...]), "nothing past the checksum changes")
        }
        let v6 = factory.packet(version: .v6)
        var bytes = v6.bytes
        let refusal = bytes.withUnsafeMutableBytes { raw -> RewriteError? in
            guard let packet = IPPacket(buffer: raw, length: raw.count) else { return nil }
            do { try packet.rewriteIdentification(1) } catch let refused as RewriteError { return refused } catch {}
            return nil
        }
        XCTAssertEqual(refusal, .familyMismatch(packet: .v6))
        XCTAssertEqual(bytes, v6.bytes)
    }

    func testRefusedRewritesLeaveThePacketAlone() throws {
        var factory = PacketFactory(seed: 25)
        for version in [IPVersion.v4, .v6] {
            let built = factory.packet(version: version, transport: PacketFactory.opaqueProtocol)
            var bytes = built.bytes
            try bytes.withUnsafeMutableBytes { raw in
                guard let packet = IPPacket(buffer: raw, length: raw.count) else { return XCTFail("must parse") }
                let other: IPAddress = version == .v4 ? .v6(IPv6Address(high: 1, low: 1)) : .v4(IPv4Address(1, 1, 1, 1))
                XCTAssertThrowsError(try packet.rewriteSource(other)) {
                    XCTAssertEqual($0 as? RewriteError, .familyMismatch(packet: version))
                }
                XCTAssertThrowsError(try packet.rewriteSourcePort(1)) {
                    XCTAssertEqual($0 as? RewriteError, .noPorts(protocolNumber: PacketFactory.opaqueProtocol))
                }
                XCTAssertThrowsError(try packet.rewriteEchoIdentifier(1)) {
                    XCTAssertEqual($0 as? RewriteError, .notEcho(protocolNumber: PacketFactory.opaqueProtocol))
                }
            }
            XCTAssertEqual(bytes, built.bytes)
        }
    }

    func testSwapEndpointsKeepsChecksums() {
        var factory = PacketFactory(seed: 26)
        for _ in 0..<1000 {
            let built = factory.packet()
            let bytes = rewritten(built, "swap") { $0.swapEndpoints() }
            let (s, d) = built.version == .v4 ? (12..<16, 16..<20) : (8..<24, 24..<40)
            XCTAssertEqual(Array(bytes[s]), Array(built.bytes[d]))
            XCTAssertEqual(Array(bytes[d]), Array(built.bytes[s]))
        }
    }

    func testEchoRequestBecomesReply() throws {
        var factory = PacketFactory(seed: 27)
        for i in 0..<1000 {
            let version: IPVersion = i % 2 == 0 ? .v4 : .v6
            var built = factory.packet(version: version, transport: version == .v4 ? IPProtocol.icmpv4 : IPProtocol.icmpv6)
            built.bytes[built.transportOffset] = version == .v4 ? ICMPv4Header.echoRequest : ICMPv6Header.echoRequest
            built.fillChecksums()
            let bytes = try rewritten(built, "echo reply") { try $0.turnIntoEchoReply() }
            XCTAssertEqual(bytes[built.transportOffset], version == .v4 ? ICMPv4Header.echoReply : ICMPv6Header.echoReply)
            let (s, d) = version == .v4 ? (12..<16, 16..<20) : (8..<24, 24..<40)
            XCTAssertEqual(Array(bytes[s]), Array(built.bytes[d]))
        }
    }

    func testEchoReplyRefusesNonRequests() {
        var factory = PacketFactory(seed: 28)
        var built = factory.packet(version: .v4, transport: IPProtocol.icmpv4)
        built.bytes[built.transportOffset] = ICMPv4Header.echoReply
        built.fillChecksums()
        let result = built.withPacket { packet in Result { try packet.turnIntoEchoReply() } }
        XCTAssertThrowsError(try result?.get()) { XCTAssertEqual($0 as? RewriteError, .notEcho(protocolNumber: 1)) }
    }
}
