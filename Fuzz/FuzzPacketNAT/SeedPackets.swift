// Valid packets for the packet-nat seeds: TCP, UDP, ICMP echo and ICMP errors over IPv4
// and IPv6, and fragments. Checksums are filled in by the Packet module itself.
import Addresses
import Packet

enum SeedPackets {
    static let client4 = IPv4Address("100.64.0.2")!
    static let client6 = IPv6Address("fd00::2")!
    static let remote4 = IPv4Address("198.51.100.7")!
    static let remote6 = IPv6Address("2001:db8:1::7")!
    static let router4 = IPv4Address("192.0.2.254")!
    static let router6 = IPv6Address("2001:db8:2::1")!
    static let moreFragmentsFlag: UInt16 = 0x2000
    static let ipv4QuoteTransportBytes = 8

    static func ipv4(_ source: IPv4Address, _ destination: IPv4Address, proto: UInt8, _ segment: [UInt8],
                     flagsAndOffset: UInt16 = 0) -> [UInt8] {
        finished([0x45, 0] + be16(UInt16(20 + segment.count)) + be16(0x4242) + be16(flagsAndOffset)
                 + [64, proto, 0, 0] + source.bytes + destination.bytes + segment)
    }

    static func ipv6(_ source: IPv6Address, _ destination: IPv6Address, next: UInt8, _ payload: [UInt8]) -> [UInt8] {
        finished([0x60, 0, 0, 0] + be16(UInt16(payload.count)) + [next, 64] + source.bytes + destination.bytes + payload)
    }

    static func udp(_ source: UInt16, _ destination: UInt16) -> [UInt8] {
        be16(source) + be16(destination) + be16(12) + [0, 0] + Array("ping".utf8)
    }

    static func tcp(_ source: UInt16, _ destination: UInt16, flags: UInt8) -> [UInt8] {
        // Header with one MSS option (kind 2, length 4), so MSS clamping has work.
        be16(source) + be16(destination) + [0, 0, 0, 1, 0, 0, 0, 0, 0x60, flags] + be16(65535) + [0, 0, 0, 0]
            + [2, 4] + be16(1460)
    }

    static func echo(type: UInt8, id: UInt16) -> [UInt8] { [type, 0, 0, 0] + be16(id) + be16(1) + Array("ping".utf8) }

    static var all: [[UInt8]] {
        let udpOut4 = ipv4(client4, remote4, proto: IPProtocol.udp, udp(40000, 53))
        let udpBack4 = ipv4(remote4, IPv4Address("203.0.113.1")!, proto: IPProtocol.udp, udp(53, 61000))
        let udpBack6 = ipv6(remote6, IPv6Address("2001:db8:ffff::1")!, next: IPProtocol.udp, udp(53, 61000))
        let synFlag: UInt8 = 0x02, ackFlag: UInt8 = 0x10
        let fragmentHeader: [UInt8] = [IPProtocol.udp, 0, 0, 1] + be16(0x4242) + be16(0x4242)
        return [
            udpOut4,
            ipv4(client4, remote4, proto: IPProtocol.tcp, tcp(40001, 80, flags: synFlag)),
            ipv4(client4, remote4, proto: IPProtocol.icmpv4, echo(type: ICMPv4Header.echoRequest, id: 7)),
            ipv6(client6, remote6, next: IPProtocol.udp, udp(40000, 53)),
            ipv6(client6, remote6, next: IPProtocol.tcp, tcp(40001, 443, flags: synFlag | ackFlag)),
            ipv6(client6, remote6, next: IPProtocol.icmpv6, echo(type: ICMPv6Header.echoRequest, id: 7)),
            udpBack4,
            ipv4(remote4, IPv4Address("203.0.113.1")!, proto: IPProtocol.icmpv4, echo(type: ICMPv4Header.echoReply, id: 61000)),
            ipv4(router4, IPv4Address("203.0.113.1")!, proto: IPProtocol.icmpv4,
                 [ICMPv4Header.timeExceeded, 0, 0, 0, 0, 0, 0, 0] + udpBack4.swappedForQuote.prefix(20 + ipv4QuoteTransportBytes)),
            ipv6(router6, IPv6Address("2001:db8:ffff::1")!, next: IPProtocol.icmpv6,
                 [ICMPv6Header.packetTooBig, 0, 0, 0, 0, 0, 5, 0] + udpBack6.swappedForQuote),
            ipv4(client4, remote4, proto: IPProtocol.udp, udp(40002, 53) + [UInt8](repeating: 0, count: 8),
                 flagsAndOffset: moreFragmentsFlag),
            ipv6(client6, remote6, next: IPProtocol.ipv6Fragment, fragmentHeader + udp(40002, 53)),
        ]
    }

    private static func finished(_ packet: [UInt8]) -> [UInt8] {
        var bytes = packet
        bytes.withUnsafeMutableBytes { IPPacket(buffer: $0, length: $0.count)?.recomputeChecksums() }
        return bytes
    }

    private static func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xff)] }
}

private extension Array where Element == UInt8 {
    /// The packet as the egress sent it (endpoints swapped), the way an ICMP error quotes it.
    var swappedForQuote: [UInt8] {
        var copy = self
        copy.withUnsafeMutableBytes { IPPacket(buffer: $0, length: $0.count)?.swapEndpoints() }
        return copy
    }
}
