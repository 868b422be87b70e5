// The original packet quoted inside an ICMP or ICMPv6 error (RFC 792, RFC 4443), and
// its translation (RFC 5508 section 4.1): a NAT that rewrites a flow must rewrite the
// copy of that flow's packet inside errors about it, or the sender cannot match them.
//
// The quote is usually cut short (an IPv4 router sends the IP header and 8 bytes), so
// only the inner IP header must be complete; the inner transport checksum is updated
// only when its bytes are present. Every inner change is folded into the outer ICMP
// checksum as well, since the quote is part of the ICMP message it covers.
import Addresses

/// A view of the packet an ICMP error quotes, with rewrites that keep the inner IP
/// checksum, the inner transport checksum (when present) and the outer ICMP checksum right.
public struct ICMPQuotedPacket {
    /// The whole outer ICMP/ICMPv6 message (its checksum is at offset 2).
    let message: UnsafeMutableRawBufferPointer
    /// The quoted bytes, from the inner IP header to the end of the message.
    public let bytes: UnsafeMutableRawBufferPointer
    public let version: IPVersion
    public let transportProtocol: UInt8
    /// Offset of the inner transport header within `bytes`.
    public let transportOffset: Int
    /// False when the quoted packet is a non-first fragment.
    public let hasTransportHeader: Bool
    /// End of the inner packet within `bytes`: its declared length, or fewer if cut short.
    let end: Int

    /// Reads the quote inside `message` (an ICMP error of `version`'s family); nil when
    /// the message is not an error or the quoted IP header is incomplete or inconsistent.
    init?(message: UnsafeMutableRawBufferPointer, version: IPVersion, quoteOffset: Int) {
        guard message.count > quoteOffset else { return nil }
        let quote = message.slice(quoteOffset..<message.count)
        switch version {
        case .v4:
            guard quote.count >= IPv4Header.minimumLength, quote[0] >> 4 == IPv4Header.version else { return nil }
            let header = IPv4Header(unchecked: quote)
            guard header.headerLength >= IPv4Header.minimumLength, header.headerLength <= quote.count else { return nil }
            transportProtocol = header.protocolNumber
            transportOffset = header.headerLength
            hasTransportHeader = header.fragmentOffset == 0
            end = Swift.max(Swift.min(header.totalLength, quote.count), header.headerLength)
        case .v6:
            guard quote.count >= IPv6Header.length, quote[0] >> 4 == IPv6Header.version else { return nil }
            let header = IPv6Header(unchecked: quote)
            let limit = Swift.min(header.totalLength, quote.count)
            guard let upper = try? header.upperLayer(limit: limit) else { return nil }
            transportProtocol = upper.protocolNumber
            transportOffset = upper.offset
            hasTransportHeader = (upper.fragment?.offset ?? 0) == 0
            end = limit
        }
        self.message = message
        self.bytes = quote
        self.version = version
    }

    public var source: IPAddress { address(at: version == .v4 ? IPv4Header.sourceOffset : IPv6Header.sourceOffset) }
    public var destination: IPAddress {
        address(at: version == .v4 ? IPv4Header.destinationOffset : IPv6Header.destinationOffset)
    }

    /// Quoted transport bytes present (may be fewer than the header needs).
    public var transportBytesPresent: Int { hasTransportHeader ? end - transportOffset : 0 }

    var hasPorts: Bool {
        (transportProtocol == IPProtocol.tcp || transportProtocol == IPProtocol.udp) && transportBytesPresent >= 4
    }

    public var sourcePort: UInt16? { hasPorts ? bytes.be16(at: transportOffset) : nil }
    public var destinationPort: UInt16? { hasPorts ? bytes.be16(at: transportOffset + 2) : nil }

    var isEcho: Bool {
        guard transportBytesPresent >= ICMPv4Header.sequenceOffset else { return false }
        let type = bytes[transportOffset]
        switch (version, transportProtocol) {
        case (.v4, IPProtocol.icmpv4): return type == ICMPv4Header.echoRequest || type == ICMPv4Header.echoReply
        case (.v6, IPProtocol.icmpv6): return type == ICMPv6Header.echoRequest || type == ICMPv6Header.echoReply
        default: return false
        }
    }

    /// The quoted echo request/reply's identifier; nil for anything else or if cut off.
    public var echoIdentifier: UInt16? { isEcho ? bytes.be16(at: transportOffset + ICMPv4Header.identifierOffset) : nil }

    private func address(at offset: Int) -> IPAddress {
        switch version {
        case .v4: return .v4(bytes.ipv4Address(at: offset))
        case .v6: return .v6(bytes.ipv6Address(at: offset))
        }
    }
}
