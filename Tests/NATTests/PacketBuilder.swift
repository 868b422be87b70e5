// Builds the packets the NAT tests need: IPv4/IPv6 with TCP, UDP, ICMP echo and ICMP
// errors, fragments of a datagram, and reassembly of translated fragments.
import Addresses
import Packet

enum PacketBuilder {
    static let ipv4HeaderLength = 20
    static let ipv6HeaderLength = 40
    static let ipv6FragmentHeaderLength = 8
    static let icmpv4ErrorQuoteTransportBytes = 8

    // MARK: - Whole packets (checksums filled in)

    static func udp(_ from: String, _ to: String, payload: [UInt8] = [1, 2, 3, 4, 5]) -> TestPacket {
        let (source, destination) = (endpoint(from), endpoint(to))
        return TestPacket(ip(source.address, destination.address, proto: IPProtocol.udp,
                             segment: udpSegment(source.port, destination.port, payload: payload)))
    }

    static func tcp(_ from: String, _ to: String, flags: TCPFlags, mss: UInt16? = nil) -> TestPacket {
        let (source, destination) = (endpoint(from), endpoint(to))
        return TestPacket(ip(source.address, destination.address, proto: IPProtocol.tcp,
                             segment: tcpSegment(source.port, destination.port, flags: flags, mss: mss)))
    }

    static func echo(_ from: String, _ to: String, id: UInt16, request: Bool = true, sequence: UInt16 = 1) -> TestPacket {
        let (source, destination) = (address(from), address(to))
        let v6 = !source.isIPv4
        let type: UInt8 = v6 ? (request ? ICMPv6Header.echoRequest : ICMPv6Header.echoReply)
                             : (request ? ICMPv4Header.echoRequest : ICMPv4Header.echoReply)
        var message: [UInt8] = [type, 0, 0, 0]
        message += be16(id) + be16(sequence) + Array("ping".utf8)
        return TestPacket(ip(source, destination, proto: v6 ? IPProtocol.icmpv6 : IPProtocol.icmpv4, segment: message))
    }

    /// An ICMP/ICMPv6 error from `router` to `to` quoting `original` (cut to the IPv4
    /// header plus 8 bytes, as IPv4 routers do; IPv6 quotes it whole). `restOfHeader`
    /// carries the MTU of fragmentation-needed (low 16 bits) and packet-too-big.
    static func icmpError(from router: String, to: String, type: UInt8, code: UInt8,
                          restOfHeader: UInt32 = 0, quoting original: TestPacket) -> TestPacket {
        let (source, destination) = (address(router), address(to))
        var quote = original.bytes
        if source.isIPv4 {
            let headerLength = Int(quote[0] & 0x0f) * 4
            quote = Array(quote.prefix(headerLength + icmpv4ErrorQuoteTransportBytes))
        }
        let message = [type, code, 0, 0] + be32(restOfHeader) + quote
        return TestPacket(ip(source, destination, proto: source.isIPv4 ? IPProtocol.icmpv4 : IPProtocol.icmpv6,
                             segment: message))
    }

    // MARK: - Layers

    static func ip(_ source: IPAddress, _ destination: IPAddress, proto: UInt8, segment: [UInt8],
                   identification: UInt32 = 0x4242) -> [UInt8] {
        switch (source, destination) {
        case (.v4(let s), .v4(let d)):
            return ipv4Header(s, d, proto: proto, payloadLength: segment.count,
                              identification: UInt16(truncatingIfNeeded: identification)) + segment
        case (.v6(let s), .v6(let d)):
            return ipv6Header(s, d, nextHeader: proto, payloadLength: segment.count) + segment
        default:
            preconditionFailure("mixed address families in a test packet")
        }
    }

    static func ipv4Header(_ source: IPv4Address, _ destination: IPv4Address, proto: UInt8, payloadLength: Int,
                           identification: UInt16, flagsAndOffset: UInt16 = 0) -> [UInt8] {
        [0x45, 0] + be16(UInt16(ipv4HeaderLength + payloadLength)) + be16(identification) + be16(flagsAndOffset)
            + [64, proto, 0, 0] + source.bytes + destination.bytes
    }

    static func ipv6Header(_ source: IPv6Address, _ destination: IPv6Address, nextHeader: UInt8,
                           payloadLength: Int) -> [UInt8] {
        [0x60, 0, 0, 0] + be16(UInt16(payloadLength)) + [nextHeader, 64] + source.bytes + destination.bytes
    }

    static func udpSegment(_ source: UInt16, _ destination: UInt16, payload: [UInt8]) -> [UInt8] {
        be16(source) + be16(destination) + be16(UInt16(8 + payload.count)) + [0, 0] + payload
    }

    static func tcpSegment(_ source: UInt16, _ destination: UInt16, flags: TCPFlags, mss: UInt16?) -> [UInt8] {
        let options: [UInt8] = mss.map { [2, 4] + be16($0) } ?? []
        let dataOffset = UInt8((20 + options.count) / 4) << 4
        return be16(source) + be16(destination) + be32(1000) + be32(flags.contains(.ack) ? 2000 : 0)
            + [dataOffset, flags.rawValue] + be16(65535) + [0, 0, 0, 0] + options
    }

    // MARK: - Fragments

    /// Splits a whole IPv4 packet (20-byte header) into fragments of at most `chunk` payload bytes.
    static func fragmentIPv4(_ whole: [UInt8], chunk: Int) -> [[UInt8]] {
        let header = Array(whole.prefix(ipv4HeaderLength))
        let payload = Array(whole.dropFirst(ipv4HeaderLength))
        return stride(from: 0, to: payload.count, by: chunk).map { start in
            let piece = Array(payload[start..<min(start + chunk, payload.count)])
            let more: UInt16 = start + chunk < payload.count ? 0x2000 : 0
            var h = header
            h.replaceSubrange(2..<4, with: be16(UInt16(ipv4HeaderLength + piece.count)))
            h.replaceSubrange(6..<8, with: be16(more | UInt16(start / 8)))
            return h + piece
        }
    }

    /// Splits a whole IPv6 packet (no extension headers) into fragments with a fragment header.
    static func fragmentIPv6(_ whole: [UInt8], chunk: Int, identification: UInt32) -> [[UInt8]] {
        let nextHeader = whole[6]
        let payload = Array(whole.dropFirst(ipv6HeaderLength))
        return stride(from: 0, to: payload.count, by: chunk).map { start in
            let piece = Array(payload[start..<min(start + chunk, payload.count)])
            let more: UInt16 = start + chunk < payload.count ? 1 : 0
            var h = Array(whole.prefix(ipv6HeaderLength))
            h.replaceSubrange(4..<6, with: be16(UInt16(ipv6FragmentHeaderLength + piece.count)))
            h[6] = IPProtocol.ipv6Fragment
            let fragmentHeader = [nextHeader, 0] + be16(UInt16(start / 8) << 3 | more) + be32(identification)
            return h + fragmentHeader + piece
        }
    }

    /// Joins fragments (in order) back into one packet, the way the receiver's stack would.
    static func reassemble(_ fragments: [TestPacket]) -> TestPacket {
        let first = fragments[0].bytes
        if first[0] >> 4 == 4 {
            let payload = fragments.flatMap { $0.bytes.dropFirst(ipv4HeaderLength) }
            var header = Array(first.prefix(ipv4HeaderLength))
            header.replaceSubrange(2..<4, with: be16(UInt16(ipv4HeaderLength + payload.count)))
            header.replaceSubrange(6..<8, with: [0, 0])
            let whole = TestPacket(header + payload, recomputeChecksums: false)
            whole.packet.ipv4?.recomputeChecksum()
            return whole
        }
        let skip = ipv6HeaderLength + ipv6FragmentHeaderLength
        let payload = fragments.flatMap { $0.bytes.dropFirst(skip) }
        var header = Array(first.prefix(ipv6HeaderLength))
        header.replaceSubrange(4..<6, with: be16(UInt16(payload.count)))
        header[6] = first[ipv6HeaderLength]
        return TestPacket(header + payload, recomputeChecksums: false)
    }

    // MARK: - Bytes

    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(truncatingIfNeeded: v)] }
    static func be32(_ v: UInt32) -> [UInt8] { be16(UInt16(v >> 16)) + be16(UInt16(truncatingIfNeeded: v)) }

    static func endpoint(_ text: String) -> Endpoint {
        guard let e = Endpoint(text) else { preconditionFailure("bad test endpoint \(text)") }
        return e
    }

    static func address(_ text: String) -> IPAddress {
        guard let a = IPAddress(text) else { preconditionFailure("bad test address \(text)") }
        return a
    }

    /// Whether an IPv4 header (at the start of `bytes`) sums to all ones.
    static func ipv4HeaderChecksumIsValid(_ bytes: UnsafeMutableRawBufferPointer) -> Bool {
        let length = Int(bytes[0] & 0x0f) * 4
        var sum: UInt32 = 0
        for i in stride(from: 0, to: length, by: 2) { sum += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1]) }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        return sum == 0xffff
    }
}
