// One TUN read's segmentation, planned by OffloadSegmenter: how many ordinary packets
// it becomes and how to write each one.

/// Writes the segments of one validated TUN read. Segment `i` carries payload bytes
/// `[i * segmentSize, (i + 1) * segmentSize)` behind a copy of the headers, fixed up as
/// the kernel's GSO would: IP lengths, IPv4 id + i, TCP sequence, flags, checksums.
public struct SegmentPlan: Equatable, Sendable {
    private enum Kind: Equatable, Sendable {
        /// The packet as it is, its partial checksum completed or not.
        case whole(completingChecksum: Bool)
        case tcp
        case udp
    }

    /// TCP flags kept only on the last segment (they end what the sender wrote).
    private static let lastSegmentFlags = TCPFlags.fin.rawValue | TCPFlags.psh.rawValue
    /// Congestion window reduced: said once, on the first segment (RFC 3168 6.1.2).
    private static let firstSegmentFlags = TCPFlags.cwr.rawValue

    private let kind: Kind
    /// The TUN read's length.
    public let packetLength: Int
    /// Where the transport header starts (`csum_start`).
    let transportOffset: Int
    /// The checksum field's offset from `transportOffset` (`csum_offset`).
    let checksumOffset: Int
    /// IP and transport headers, copied in front of every segment.
    let headerLength: Int
    /// Payload bytes per segment (the last may carry fewer).
    let segmentSize: Int
    /// How many segments the read becomes.
    public let count: Int

    init(whole length: Int, completingChecksum: Bool, checksumStart: Int, checksumOffset: Int) {
        kind = .whole(completingChecksum: completingChecksum)
        packetLength = length
        transportOffset = checksumStart
        self.checksumOffset = checksumOffset
        headerLength = length
        segmentSize = 0
        count = 1
    }

    init(packetLength: Int, transportOffset: Int, headerLength: Int, segmentSize: Int, count: Int, isTCP: Bool) {
        kind = isTCP ? .tcp : .udp
        self.packetLength = packetLength
        self.transportOffset = transportOffset
        checksumOffset = isTCP ? TCPHeader.checksumOffset : UDPHeader.checksumOffset
        self.headerLength = headerLength
        self.segmentSize = segmentSize
        self.count = count
    }

    /// Segment `i`'s length in bytes.
    public func segmentLength(_ i: Int) -> Int {
        guard case .whole = kind else { return headerLength + payloadLength(i) }
        return packetLength
    }

    /// The longest segment: the capacity each of the caller's buffers needs.
    public var maximumSegmentLength: Int { segmentLength(0) }

    /// Writes segment `i` (0 ..< count) of `packet`, the read this plan was made for, into
    /// `out` and returns its length. `out` must hold `segmentLength(i)` bytes, which the
    /// plan's `segmentCapacity` guarantees.
    public func writeSegment(_ i: Int, from packet: UnsafeRawBufferPointer,
                             into out: UnsafeMutableRawBufferPointer) -> Int {
        precondition(i >= 0 && i < count, "segment \(i) of \(count)")
        precondition(packet.count == packetLength, "the plan was made for another packet")
        let length = segmentLength(i)
        precondition(out.count >= length, "segment buffer smaller than the planned capacity")
        switch kind {
        case .whole(let completing):
            out.copyMemory(from: packet)
            if completing {
                OffloadSegmenter.completePartialChecksum(out.slice(0..<length), start: transportOffset,
                                                         offset: checksumOffset)
            }
        case .tcp, .udp:
            let segment = out.slice(0..<length)
            segment.slice(0..<headerLength).copyMemory(from: UnsafeRawBufferPointer(rebasing: packet[0..<headerLength]))
            let payloadStart = headerLength + i * segmentSize
            let payload = UnsafeRawBufferPointer(rebasing: packet[payloadStart..<(payloadStart + payloadLength(i))])
            segment.slice(headerLength..<length).copyMemory(from: payload)
            fixIPHeader(segment, index: i)
            if kind == .tcp { fixTCPHeader(segment, index: i) } else { fixUDPHeader(segment) }
            storeTransportChecksum(segment)
        }
        return length
    }

    private func payloadLength(_ i: Int) -> Int {
        min(segmentSize, packetLength - headerLength - i * segmentSize)
    }

    private func fixIPHeader(_ segment: UnsafeMutableRawBufferPointer, index: Int) {
        if segment[0] >> 4 == IPv4Header.version {
            segment.setBE16(UInt16(segment.count), at: IPv4Header.totalLengthOffset)
            let ip = IPv4Header(unchecked: segment)
            ip.identification = ip.identification &+ UInt16(truncatingIfNeeded: index)
            ip.recomputeChecksum()
        } else {
            segment.setBE16(UInt16(segment.count - IPv6Header.length), at: IPv6Header.payloadLengthOffset)
        }
    }

    private func fixTCPHeader(_ segment: UnsafeMutableRawBufferPointer, index: Int) {
        let sequence = transportOffset + TCPHeader.sequenceOffset
        let advance = UInt32(truncatingIfNeeded: index * segmentSize)
        segment.setBE32(segment.be32(at: sequence) &+ advance, at: sequence)
        let flags = transportOffset + TCPHeader.flagsOffset
        if index != count - 1 { segment[flags] &= ~Self.lastSegmentFlags }
        if index != 0 { segment[flags] &= ~Self.firstSegmentFlags }
    }

    private func fixUDPHeader(_ segment: UnsafeMutableRawBufferPointer) {
        segment.setBE16(UInt16(segment.count - transportOffset), at: transportOffset + UDPHeader.lengthOffset)
    }

    private func storeTransportChecksum(_ segment: UnsafeMutableRawBufferPointer) {
        let field = transportOffset + checksumOffset
        segment.setBE16(0, at: field)
        let protocolNumber = kind == .tcp ? IPProtocol.tcp : IPProtocol.udp
        let pseudo = PseudoHeader.sum(UnsafeRawBufferPointer(segment), protocolNumber: protocolNumber,
                                      transportLength: segment.count - transportOffset)
        let covered = UnsafeRawBufferPointer(segment.slice(transportOffset..<segment.count))
        let value = InternetChecksum.checksum(covered, initial: UInt32(pseudo))
        segment.setBE16(kind == .udp ? IPPacket.udpTransmitted(value) : value, at: field)
    }
}
