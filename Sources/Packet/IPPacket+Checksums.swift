// Checksums of an IPPacket computed from scratch: the reference the incremental
// rewrites are tested against, and what code that builds packets calls last.
import Addresses

extension IPPacket {
    /// Offset of the checksum field inside each transport header.
    static func checksumFieldOffset(of transportProtocol: UInt8) -> Int? {
        switch transportProtocol {
        case IPProtocol.tcp: return TCPHeader.checksumOffset
        case IPProtocol.udp: return UDPHeader.checksumOffset
        case IPProtocol.icmpv4: return ICMPv4Header.checksumOffset
        case IPProtocol.icmpv6: return ICMPv6Header.checksumOffset
        default: return nil
        }
    }

    /// Whether the transport checksum includes the IP pseudo-header (ICMPv4's does not).
    var transportChecksumCoversPseudoHeader: Bool {
        transportProtocol != IPProtocol.icmpv4
    }

    /// The pseudo-header's one's-complement contribution (RFC 9293 3.1, RFC 8200 8.1).
    func pseudoHeaderSum() -> UInt32 {
        let upperLength = UInt64(transportLength)
        var acc: UInt64
        switch version {
        case .v4:
            acc = InternetChecksum.wordSum(bytes.ipv4Address(at: IPv4Header.sourceOffset))
                + InternetChecksum.wordSum(bytes.ipv4Address(at: IPv4Header.destinationOffset))
        case .v6:
            acc = InternetChecksum.wordSum(bytes.ipv6Address(at: IPv6Header.sourceOffset))
                + InternetChecksum.wordSum(bytes.ipv6Address(at: IPv6Header.destinationOffset))
        }
        acc += UInt64(transportProtocol) + (upperLength >> 16) + (upperLength & 0xffff)
        return UInt32(InternetChecksum.fold(acc))
    }

    /// The transport checksum computed over the whole segment; nil for fragments (the
    /// datagram is not all here) and for protocols without a known checksum.
    public var computedTransportChecksum: UInt16? {
        guard !isFragment, let field = Self.checksumFieldOffset(of: transportProtocol) else { return nil }
        if transportProtocol == IPProtocol.icmpv4 && version != .v4 { return nil }
        if transportProtocol == IPProtocol.icmpv6 && version != .v6 { return nil }
        let segment = transportBytes
        let initial = transportChecksumCoversPseudoHeader ? pseudoHeaderSum() : 0
        let head = InternetChecksum.sum(UnsafeRawBufferPointer(segment.slice(0..<field)), initial: initial)
        let tail = UnsafeRawBufferPointer(segment.slice((field + 2)..<segment.count))
        let value = InternetChecksum.checksum(tail, initial: UInt32(head))
        return transportProtocol == IPProtocol.udp ? Self.udpTransmitted(value) : value
    }

    /// UDP sends a computed zero as all ones, since zero means "no checksum" (RFC 768).
    @inline(__always)
    static func udpTransmitted(_ checksum: UInt16) -> UInt16 {
        checksum == UDPHeader.noChecksum ? 0xffff : checksum
    }

    /// Rewrites the IPv4 header checksum and, unless fragmented, the transport checksum,
    /// from scratch. A UDP-over-IPv4 checksum of zero is computed too (builders want one).
    public func recomputeChecksums() {
        ipv4?.recomputeChecksum()
        if let value = computedTransportChecksum, let field = Self.checksumFieldOffset(of: transportProtocol) {
            bytes.setBE16(value, at: transportOffset + field)
        }
    }

    /// Whether every checksum that can be checked here is right (a zero UDP-over-IPv4
    /// checksum counts as right; fragments' transport checksums are not checked).
    public var hasValidChecksums: Bool {
        if let v4 = ipv4, v4.checksum != v4.computedChecksum { return false }
        guard let expected = computedTransportChecksum,
              let field = Self.checksumFieldOffset(of: transportProtocol) else { return true }
        let stored = bytes.be16(at: transportOffset + field)
        if transportProtocol == IPProtocol.udp && version == .v4 && stored == UDPHeader.noChecksum { return true }
        return stored == expected
    }
}
