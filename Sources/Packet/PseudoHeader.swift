// The transport pseudo-header sum (RFC 9293 3.1, RFC 768, RFC 8200 8.1) over packet bytes,
// for code that builds or completes checksums of segments it assembles.

/// The pseudo-header's one's-complement sum read straight from an IP packet's bytes.
enum PseudoHeader {
    static let ipv4AddressesRange = IPv4Header.sourceOffset..<(IPv4Header.destinationOffset + 4)
    static let ipv6AddressesRange = IPv6Header.sourceOffset..<(IPv6Header.destinationOffset + 16)

    /// Folded sum of source and destination address, protocol and `transportLength`
    /// for the packet at the start of `packet` (its version nibble picks the layout).
    static func sum(_ packet: UnsafeRawBufferPointer, protocolNumber: UInt8, transportLength: Int) -> UInt16 {
        let range = packet[0] >> 4 == IPv4Header.version ? ipv4AddressesRange : ipv6AddressesRange
        let length = UInt32(transportLength)
        let extra = UInt32(protocolNumber) + (length >> 16) + (length & 0xffff)
        return InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: packet[range]), initial: extra)
    }
}
