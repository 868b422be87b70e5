// In-place address, port and echo-identifier rewriting (the NAT's work), with every
// checksum updated incrementally (RFC 1624) instead of recomputed over the payload.
//
// Fragments: a non-first fragment has no transport header, so an address rewrite
// changes only the IP header. The first fragment's transport checksum was computed
// over the whole reassembled datagram, but a one's-complement checksum is a sum, so
// folding the same address or port difference into it is correct all the same; and
// the receiver reassembles fragments whose headers were all rewritten alike.
//
// IPv6 routing headers with segments left: the pseudo-header then uses the final
// destination (in the routing header), which is not rewritten here; the NAT does
// not translate such packets.
import Addresses

extension IPPacket {
    /// Replaces the source address, updating the IPv4 header checksum and the
    /// transport checksum over the pseudo-header.
    public func rewriteSource(_ address: IPAddress) throws(RewriteError) {
        try rewriteAddress(at: version == .v4 ? IPv4Header.sourceOffset : IPv6Header.sourceOffset, to: address)
    }

    /// Replaces the destination address, updating checksums as `rewriteSource` does.
    public func rewriteDestination(_ address: IPAddress) throws(RewriteError) {
        try rewriteAddress(at: version == .v4 ? IPv4Header.destinationOffset : IPv6Header.destinationOffset,
                           to: address)
    }

    /// Replaces the TCP/UDP source port, updating the transport checksum.
    public func rewriteSourcePort(_ port: UInt16) throws(RewriteError) {
        guard hasPorts else { throw .noPorts(protocolNumber: transportProtocol) }
        replaceTransportWord(at: TCPHeader.sourcePortOffset, with: port)
    }

    /// Replaces the TCP/UDP destination port, updating the transport checksum.
    public func rewriteDestinationPort(_ port: UInt16) throws(RewriteError) {
        guard hasPorts else { throw .noPorts(protocolNumber: transportProtocol) }
        replaceTransportWord(at: TCPHeader.destinationPortOffset, with: port)
    }

    /// Replaces the identifier of an ICMP or ICMPv6 echo request/reply, updating its checksum.
    public func rewriteEchoIdentifier(_ identifier: UInt16) throws(RewriteError) {
        guard echoIdentifier != nil else { throw .notEcho(protocolNumber: transportProtocol) }
        replaceTransportWord(at: ICMPv4Header.identifierOffset, with: identifier)
    }

    /// Replaces the IPv4 identification (the NAT keeps fragments of different clients
    /// apart with it), updating the header checksum; IPv6 packets are refused.
    public func rewriteIdentification(_ identification: UInt16) throws(RewriteError) {
        guard version == .v4 else { throw .familyMismatch(packet: version) }
        let old = bytes.be16(at: IPv4Header.identificationOffset)
        bytes.setBE16(identification, at: IPv4Header.identificationOffset)
        updateIPv4HeaderChecksum(old: old, new: identification)
    }

    /// Sets the IPv4 TTL (updating the header checksum) or the IPv6 hop limit.
    public func rewriteHopLimit(_ value: UInt8) {
        switch version {
        case .v4:
            let old = bytes.be16(at: IPv4Header.ttlOffset)
            bytes[IPv4Header.ttlOffset] = value
            updateIPv4HeaderChecksum(old: old, new: bytes.be16(at: IPv4Header.ttlOffset))
        case .v6:
            bytes[IPv6Header.hopLimitOffset] = value
        }
    }

    // MARK: - Building blocks

    private func rewriteAddress(at offset: Int, to address: IPAddress) throws(RewriteError) {
        switch (version, address) {
        case (.v4, .v4(let new)):
            let old = bytes.ipv4Address(at: offset)
            bytes.setIPv4Address(new, at: offset)
            let ip = bytes.be16(at: IPv4Header.checksumOffset)
            bytes.setBE16(InternetChecksum.updated(ip, old: old, new: new), at: IPv4Header.checksumOffset)
            updatePseudoHeaderChecksum { InternetChecksum.updated($0, old: old, new: new) }
        case (.v6, .v6(let new)):
            let old = bytes.ipv6Address(at: offset)
            bytes.setIPv6Address(new, at: offset)
            updatePseudoHeaderChecksum { InternetChecksum.updated($0, old: old, new: new) }
        default:
            throw .familyMismatch(packet: version)
        }
    }

    private func updateIPv4HeaderChecksum(old: UInt16, new: UInt16) {
        let ip = bytes.be16(at: IPv4Header.checksumOffset)
        bytes.setBE16(InternetChecksum.updated(ip, old: old, new: new), at: IPv4Header.checksumOffset)
    }

    /// Applies `update` to the transport checksum if it covers the pseudo-header and is here.
    @inline(__always)
    private func updatePseudoHeaderChecksum(_ update: (UInt16) -> UInt16) {
        guard transportChecksumCoversPseudoHeader else { return }
        updateTransportChecksum(update)
    }

    /// Applies `update` to the transport checksum, if the packet carries one.
    /// A zero UDP checksum is left alone: over IPv4 it means "none", over IPv6 it is invalid.
    @inline(__always)
    func updateTransportChecksum(_ update: (UInt16) -> UInt16) {
        guard hasTransportHeader, let field = transportChecksumField else { return }
        let old = bytes.be16(at: field)
        if transportProtocol == IPProtocol.udp {
            guard old != UDPHeader.noChecksum else { return }
            bytes.setBE16(Self.udpTransmitted(update(old)), at: field)
        } else {
            let new = update(old)
            bytes.setBE16(new, at: field)
            // RFC 1624's update cannot tell +0 from -0: over an ICMPv4 message that is all
            // zero words (an echo reply with id, sequence and payload zero) it gives 0x0000,
            // which receivers refuse; only a sum from scratch gives the right 0xffff there.
            if new == 0, !transportChecksumCoversPseudoHeader, let scratch = computedTransportChecksum {
                bytes.setBE16(scratch, at: field)
            }
        }
    }

    /// Byte offset in the packet of the transport checksum, for protocols this module knows.
    var transportChecksumField: Int? {
        switch (transportProtocol, version) {
        case (IPProtocol.tcp, _), (IPProtocol.udp, _), (IPProtocol.icmpv4, .v4), (IPProtocol.icmpv6, .v6):
            guard let field = Self.checksumFieldOffset(of: transportProtocol) else { return nil }
            return transportOffset + field
        default:
            return nil
        }
    }

    /// Writes a 16-bit transport field at an even offset and folds the change into the transport checksum.
    private func replaceTransportWord(at offset: Int, with new: UInt16) {
        let old = bytes.be16(at: transportOffset + offset)
        bytes.setBE16(new, at: transportOffset + offset)
        updateTransportChecksum { InternetChecksum.updated($0, old: old, new: new) }
    }
}
