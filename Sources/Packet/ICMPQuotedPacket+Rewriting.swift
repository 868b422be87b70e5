// Rewrites of the quoted packet inside an ICMP error. Each changed 16-bit word of the
// quote (the field, then every inner checksum it disturbs) is folded into the outer
// ICMP checksum through `store16`, so the outer checksum stays right whatever changes.
import Addresses

extension ICMPQuotedPacket {
    public func rewriteSource(_ address: IPAddress) throws(RewriteError) {
        try rewriteAddress(at: version == .v4 ? IPv4Header.sourceOffset : IPv6Header.sourceOffset, to: address)
    }

    public func rewriteDestination(_ address: IPAddress) throws(RewriteError) {
        try rewriteAddress(at: version == .v4 ? IPv4Header.destinationOffset : IPv6Header.destinationOffset,
                           to: address)
    }

    public func rewriteSourcePort(_ port: UInt16) throws(RewriteError) {
        guard hasPorts else { throw .noPorts(protocolNumber: transportProtocol) }
        replaceTransportWord(at: TCPHeader.sourcePortOffset, with: port)
    }

    public func rewriteDestinationPort(_ port: UInt16) throws(RewriteError) {
        guard hasPorts else { throw .noPorts(protocolNumber: transportProtocol) }
        replaceTransportWord(at: TCPHeader.destinationPortOffset, with: port)
    }

    public func rewriteEchoIdentifier(_ identifier: UInt16) throws(RewriteError) {
        guard isEcho else { throw .notEcho(protocolNumber: transportProtocol) }
        replaceTransportWord(at: ICMPv4Header.identifierOffset, with: identifier)
    }

    /// The identification of a quoted IPv4 fragment (first or later); nil for IPv6 or a
    /// whole datagram, whose identification nothing depends on.
    public var fragmentIdentification: UInt16? {
        guard version == .v4 else { return nil }
        let field = bytes.be16(at: IPv4Header.flagsAndFragmentOffset)
        guard field & (IPv4Header.moreFragmentsBit | IPv4Header.fragmentOffsetMask) != 0 else { return nil }
        return bytes.be16(at: IPv4Header.identificationOffset)
    }

    /// Replaces the quoted IPv4 identification, keeping the inner header checksum and the
    /// outer ICMP checksum right; IPv6 quotes are refused.
    public func rewriteIdentification(_ identification: UInt16) throws(RewriteError) {
        guard version == .v4 else { throw .familyMismatch(packet: version) }
        let old = bytes.be16(at: IPv4Header.identificationOffset)
        store16(identification, at: IPv4Header.identificationOffset)
        let inner = bytes.be16(at: IPv4Header.checksumOffset)
        store16(InternetChecksum.updated(inner, old: old, new: identification), at: IPv4Header.checksumOffset)
    }

    // MARK: - Building blocks

    private func rewriteAddress(at offset: Int, to address: IPAddress) throws(RewriteError) {
        let old = version == .v4 ? IPAddress.v4(bytes.ipv4Address(at: offset))
                                 : IPAddress.v6(bytes.ipv6Address(at: offset))
        guard let outer = InternetChecksum.updated(outerChecksum, old: old, new: address) else {
            throw .familyMismatch(packet: version)
        }
        switch address {
        case .v4(let a): bytes.setIPv4Address(a, at: offset)
        case .v6(let a): bytes.setIPv6Address(a, at: offset)
        }
        outerChecksum = outer
        if version == .v4 {
            let inner = bytes.be16(at: IPv4Header.checksumOffset)
            store16(InternetChecksum.updated(inner, old: old, new: address) ?? inner, at: IPv4Header.checksumOffset)
        }
        if transportProtocol != IPProtocol.icmpv4 {
            updateTransportChecksum { InternetChecksum.updated($0, old: old, new: address) ?? $0 }
        }
    }

    private func replaceTransportWord(at offset: Int, with new: UInt16) {
        let old = bytes.be16(at: transportOffset + offset)
        store16(new, at: transportOffset + offset)
        updateTransportChecksum { InternetChecksum.updated($0, old: old, new: new) }
    }

    /// Updates the inner transport checksum when its field was quoted (a zero UDP one stays zero).
    private func updateTransportChecksum(_ update: (UInt16) -> UInt16) {
        guard hasTransportHeader, let field = IPPacket.checksumFieldOffset(of: transportProtocol),
              transportBytesPresent >= field + 2 else { return }
        let at = transportOffset + field
        let old = bytes.be16(at: at)
        if transportProtocol == IPProtocol.udp {
            guard old != UDPHeader.noChecksum else { return }
            store16(IPPacket.udpTransmitted(update(old)), at: at)
        } else {
            store16(update(old), at: at)
        }
    }

    var outerChecksum: UInt16 {
        get { message.be16(at: ICMPv4Header.checksumOffset) }
        nonmutating set { message.setBE16(newValue, at: ICMPv4Header.checksumOffset) }
    }

    /// Writes a word of the quote and folds its change into the outer ICMP checksum.
    private func store16(_ value: UInt16, at offset: Int) {
        let old = bytes.be16(at: offset)
        bytes.setBE16(value, at: offset)
        outerChecksum = InternetChecksum.updated(outerChecksum, old: old, new: value)
    }
}

extension IPPacket {
    /// The packet quoted by an ICMP/ICMPv6 error (destination unreachable, time exceeded,
    /// parameter problem, packet too big); nil for other packets or an unreadable quote.
    public var quotedPacket: ICMPQuotedPacket? {
        if let icmp = icmpv4, let offset = icmp.quotedPacketOffset {
            return ICMPQuotedPacket(message: icmp.bytes, version: .v4, quoteOffset: offset)
        }
        if let icmp = icmpv6, let offset = icmp.quotedPacketOffset {
            return ICMPQuotedPacket(message: icmp.bytes, version: .v6, quoteOffset: offset)
        }
        return nil
    }
}
