// Builds TCP and UDP packets (and super-packets) for the offload tests: fixed documentation
// addresses, a payload pattern, checksums from the naive reference, and the partial
// (pseudo-header only) checksum the kernel leaves for CHECKSUM_PARTIAL packets.
import XCTest
@testable import Packet

enum OffloadPacketBuilder {
    static let source4: [UInt8] = [192, 0, 2, 1]
    static let destination4: [UInt8] = [198, 51, 100, 2]
    static let source6: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]
    static let destination6: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [2]
    /// NOP, NOP, timestamps (kind 8, length 10): what Linux puts on every data segment.
    static func timestampOptions(_ value: UInt32) -> [UInt8] {
        [1, 1, 8, 10] + be32(value) + be32(0x0102_0304)
    }

    struct TCPFields {
        var sourcePort: UInt16 = 40000
        var destinationPort: UInt16 = 443
        var sequence: UInt32 = 0xffff_f000  // wraps inside the tests' streams
        var acknowledgment: UInt32 = 5000
        var flags: TCPFlags = [.ack]
        var window: UInt16 = 512
        var options: [UInt8] = timestampOptions(7)
    }

    struct IPFields {
        var identification: UInt16 = 0x1234
        var ttl: UInt8 = 64
        var trafficClass: UInt8 = 0
        var dontFragment = true
        var flowLabel: UInt32 = 0x12345
    }

    static func pattern(_ count: Int, seed: Int = 0) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: ($0 &* 7) &+ ($0 >> 8) &+ seed) }
    }

    static func tcp(_ version: IPVersion, payload: [UInt8], tcp: TCPFields = TCPFields(),
                    ip: IPFields = IPFields()) -> [UInt8] {
        let dataOffset = (TCPHeader.minimumLength + tcp.options.count) / 4
        var segment = be16(tcp.sourcePort) + be16(tcp.destinationPort) + be32(tcp.sequence) + be32(tcp.acknowledgment)
        segment += [UInt8(dataOffset << 4), tcp.flags.rawValue] + be16(tcp.window) + [0, 0, 0, 0] + tcp.options
        return complete(ipHeader(version, proto: IPProtocol.tcp, transportLength: segment.count + payload.count, ip: ip)
                        + segment + payload, version: version, proto: IPProtocol.tcp)
    }

    static func udp(_ version: IPVersion, payload: [UInt8], ip: IPFields = IPFields()) -> [UInt8] {
        let length = UDPHeader.length + payload.count
        let segment = be16(5353) + be16(4500) + be16(UInt16(length)) + [0, 0]
        return complete(ipHeader(version, proto: IPProtocol.udp, transportLength: length, ip: ip) + segment + payload,
                        version: version, proto: IPProtocol.udp)
    }

    static func ipHeader(_ version: IPVersion, proto: UInt8, transportLength: Int, ip: IPFields) -> [UInt8] {
        switch version {
        case .v4:
            return [0x45, ip.trafficClass] + be16(UInt16(20 + transportLength)) + be16(ip.identification)
                + [ip.dontFragment ? 0x40 : 0, 0, ip.ttl, proto, 0, 0] + source4 + destination4
        case .v6:
            let word = 0x6000_0000 | UInt32(ip.trafficClass) << 20 | ip.flowLabel
            return be32(word) + be16(UInt16(transportLength)) + [proto, ip.ttl] + source6 + destination6
        }
    }

    static func transportOffset(_ packet: [UInt8]) -> Int {
        packet[0] >> 4 == 4 ? Int(packet[0] & 0x0f) * 4 : IPv6Header.length
    }

    /// Fills the IPv4 header checksum and the transport checksum from the reference.
    static func complete(_ packet: [UInt8], version: IPVersion, proto: UInt8) -> [UInt8] {
        var bytes = packet
        if version == .v4 { ReferenceChecksum.write16(&bytes, 10, ReferenceChecksum.ipv4Header(bytes)) }
        let offset = transportOffset(bytes)
        let field = offset + ReferenceChecksum.checksumFieldOffset(proto)!
        ReferenceChecksum.write16(&bytes, field, 0)
        let value = ReferenceChecksum.transport(bytes, version: version, offset: offset, proto: proto)!
        ReferenceChecksum.write16(&bytes, field, value)
        return bytes
    }

    /// The pseudo-header's folded sum for the packet's transport length, not complemented.
    static func pseudoHeaderSum(_ packet: [UInt8], proto: UInt8, transportOffset offset: Int) -> UInt16 {
        let length = packet.count - offset
        var pseudo: [UInt8]
        if packet[0] >> 4 == 4 {
            pseudo = Array(packet[12..<20]) + [0, proto] + be16(UInt16(length))
        } else {
            pseudo = Array(packet[8..<40]) + be32(UInt32(length)) + [0, 0, 0, proto]
        }
        return ~ReferenceChecksum.checksum(pseudo)
    }

    /// The packet as the kernel hands over a CHECKSUM_PARTIAL one: the transport checksum
    /// holds only the pseudo-header sum.
    static func partial(_ packet: [UInt8], proto: UInt8) -> [UInt8] {
        var bytes = packet
        let offset = transportOffset(packet)
        let field = offset + ReferenceChecksum.checksumFieldOffset(proto)!
        ReferenceChecksum.write16(&bytes, field, pseudoHeaderSum(packet, proto: proto, transportOffset: offset))
        return bytes
    }

    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
    static func be32(_ v: UInt32) -> [UInt8] { be16(UInt16(v >> 16)) + be16(UInt16(v & 0xffff)) }
    static func read32(_ p: [UInt8], _ at: Int) -> UInt32 {
        UInt32(ReferenceChecksum.read16(p, at)) << 16 | UInt32(ReferenceChecksum.read16(p, at + 2))
    }
}

/// Packets in memory that stays put until the test ends (the coalescer keeps pointers).
final class PinnedPackets {
    private var buffers: [UnsafeMutableRawBufferPointer] = []

    func pin(_ bytes: [UInt8]) -> UnsafeRawBufferPointer {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 8)
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
        buffers.append(buffer)
        return UnsafeRawBufferPointer(buffer)
    }

    deinit { buffers.forEach { $0.deallocate() } }
}
