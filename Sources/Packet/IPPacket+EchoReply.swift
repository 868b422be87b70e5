// Turning a packet around, for responders (the echo fixture, test peers): swap the
// endpoints, and make an ICMP echo request into its reply.
//
// Swapping source and destination (and the two ports) leaves every checksum as it
// was: each covers both fields with the same weight, and addition commutes.

extension IPPacket {
    /// Exchanges source and destination addresses, and TCP/UDP ports when present.
    public func swapEndpoints() {
        switch version {
        case .v4:
            let source = bytes.ipv4Address(at: IPv4Header.sourceOffset)
            bytes.setIPv4Address(bytes.ipv4Address(at: IPv4Header.destinationOffset), at: IPv4Header.sourceOffset)
            bytes.setIPv4Address(source, at: IPv4Header.destinationOffset)
        case .v6:
            let source = bytes.ipv6Address(at: IPv6Header.sourceOffset)
            bytes.setIPv6Address(bytes.ipv6Address(at: IPv6Header.destinationOffset), at: IPv6Header.sourceOffset)
            bytes.setIPv6Address(source, at: IPv6Header.destinationOffset)
        }
        guard hasPorts else { return }
        let sourcePort = bytes.be16(at: transportOffset + TCPHeader.sourcePortOffset)
        bytes.setBE16(bytes.be16(at: transportOffset + TCPHeader.destinationPortOffset),
                      at: transportOffset + TCPHeader.sourcePortOffset)
        bytes.setBE16(sourcePort, at: transportOffset + TCPHeader.destinationPortOffset)
    }

    /// Makes an ICMP echo request (type 8) or ICMPv6 echo request (128) into its reply
    /// (0 or 129) addressed back to the sender, with the checksum updated.
    public func turnIntoEchoReply() throws(RewriteError) {
        let replyType: UInt8
        if let icmp = icmpv4, icmp.type == ICMPv4Header.echoRequest {
            replyType = ICMPv4Header.echoReply
        } else if let icmp = icmpv6, icmp.type == ICMPv6Header.echoRequest {
            replyType = ICMPv6Header.echoReply
        } else {
            throw .notEcho(protocolNumber: transportProtocol)
        }
        swapEndpoints()
        let old = bytes.be16(at: transportOffset + ICMPv4Header.typeOffset)
        bytes[transportOffset + ICMPv4Header.typeOffset] = replyType
        let new = bytes.be16(at: transportOffset + ICMPv4Header.typeOffset)
        updateTransportChecksum { InternetChecksum.updated($0, old: old, new: new) }
    }
}
