// What PacketCoalescer reads from a TCP packet (or a UDP datagram, when the TUN takes UDP
// super-packets) to decide whether it may be merged.

extension PacketCoalescer {
    /// A TCP packet's layout and the fields GRO compares. Built for every TCP packet
    /// whose header can be found, mergeable or not, so that a packet that cannot be
    /// merged still keeps its flow's later packets behind it. With `udp`, the same for
    /// UDP datagrams (no sequence, no flags).
    struct Segment {
        static let pushFlag = TCPFlags.psh.rawValue
        /// The only flags a segment in the middle of a stream carries (PSH may end a group).
        static let streamFlags = TCPFlags.ack.rawValue

        let version: UInt8
        /// IPProtocol.tcp or IPProtocol.udp.
        let protocolNumber: UInt8
        let transportOffset: Int
        /// The TCP header's length, options included.
        let headerLength: Int
        let payloadLength: Int
        let sequence: UInt32
        let flags: UInt8
        /// Plain layout (IPv4 without options, IPv6 without extension headers, lengths
        /// exact, not a fragment), only ACK and maybe PSH set, and some payload.
        let isMergeable: Bool

        var payloadOffset: Int { transportOffset + headerLength }
        var pushes: Bool { flags & Self.pushFlag != 0 }
        var isUDP: Bool { protocolNumber == IPProtocol.udp }

        /// Nil for anything but a complete, unfragmented TCP segment (or, with `udp`, UDP
        /// datagram).
        init?(_ packet: UnsafeRawBufferPointer, udp: Bool = false) {
            guard packet.count >= IPv4Header.minimumLength else { return nil }
            // The views only read here; they take mutable buffers because they can rewrite.
            let bytes = UnsafeMutableRawBufferPointer(mutating: packet)
            let plainLayout: Bool
            switch packet[0] >> 4 {
            case IPv4Header.version:
                guard let ip = IPv4Header(bytes), Self.wanted(ip.protocolNumber, udp: udp),
                      !ip.moreFragments, ip.fragmentOffset == 0 else { return nil }
                protocolNumber = ip.protocolNumber
                transportOffset = ip.headerLength
                plainLayout = ip.headerLength == IPv4Header.minimumLength && ip.totalLength == packet.count
            case IPv6Header.version:
                guard let ip = IPv6Header(bytes), let upper = try? ip.upperLayer(limit: packet.count),
                      Self.wanted(upper.protocolNumber, udp: udp), upper.fragment == nil else { return nil }
                protocolNumber = upper.protocolNumber
                transportOffset = upper.offset
                plainLayout = ip.nextHeader == upper.protocolNumber && ip.totalLength == packet.count
            default:
                return nil
            }
            version = packet[0] >> 4
            if protocolNumber == IPProtocol.udp {
                guard let header = UDPHeader(bytes.slice(transportOffset..<packet.count)) else { return nil }
                headerLength = UDPHeader.length
                payloadLength = packet.count - transportOffset - headerLength
                sequence = 0
                flags = 0
                // A zero checksum (IPv4: none) cannot be checked before merging.
                isMergeable = plainLayout && payloadLength > 0 && header.length == packet.count - transportOffset
                    && header.checksum != UDPHeader.noChecksum
                return
            }
            guard let tcp = TCPHeader(bytes.slice(transportOffset..<packet.count)) else { return nil }
            headerLength = tcp.headerLength
            payloadLength = packet.count - transportOffset - headerLength
            sequence = tcp.sequenceNumber
            flags = tcp.flags.rawValue
            isMergeable = plainLayout && payloadLength > 0 && flags & ~Self.pushFlag == Self.streamFlags
        }

        private static func wanted(_ protocolNumber: UInt8, udp: Bool) -> Bool {
            protocolNumber == IPProtocol.tcp || (udp && protocolNumber == IPProtocol.udp)
        }
    }
}
