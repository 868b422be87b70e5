// What TCPCoalescer reads from a TCP packet to decide whether it may be merged.

extension TCPCoalescer {
    /// A TCP packet's layout and the fields GRO compares. Built for every TCP packet
    /// whose header can be found, mergeable or not, so that a packet that cannot be
    /// merged still keeps its flow's later packets behind it.
    struct Segment {
        static let pushFlag = TCPFlags.psh.rawValue
        /// The only flags a segment in the middle of a stream carries (PSH may end a group).
        static let streamFlags = TCPFlags.ack.rawValue

        let version: UInt8
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

        /// Nil for anything but a complete, unfragmented TCP segment.
        init?(_ packet: UnsafeRawBufferPointer) {
            guard packet.count >= IPv4Header.minimumLength else { return nil }
            // The views only read here; they take mutable buffers because they can rewrite.
            let bytes = UnsafeMutableRawBufferPointer(mutating: packet)
            let plainLayout: Bool
            switch packet[0] >> 4 {
            case IPv4Header.version:
                guard let ip = IPv4Header(bytes), ip.protocolNumber == IPProtocol.tcp,
                      !ip.moreFragments, ip.fragmentOffset == 0 else { return nil }
                transportOffset = ip.headerLength
                plainLayout = ip.headerLength == IPv4Header.minimumLength && ip.totalLength == packet.count
            case IPv6Header.version:
                guard let ip = IPv6Header(bytes), let upper = try? ip.upperLayer(limit: packet.count),
                      upper.protocolNumber == IPProtocol.tcp, upper.fragment == nil else { return nil }
                transportOffset = upper.offset
                plainLayout = ip.nextHeader == IPProtocol.tcp && ip.totalLength == packet.count
            default:
                return nil
            }
            guard let tcp = TCPHeader(bytes.slice(transportOffset..<packet.count)) else { return nil }
            version = packet[0] >> 4
            headerLength = tcp.headerLength
            payloadLength = packet.count - transportOffset - headerLength
            sequence = tcp.sequenceNumber
            flags = tcp.flags.rawValue
            isMergeable = plainLayout && payloadLength > 0 && flags & ~Self.pushFlag == Self.streamFlags
        }
    }
}
