// Segmentation offload in userspace: what the kernel hands a TUN opened with
// IFF_VNET_HDR and TUN_F_CSUM/TSO/USO (one super-packet, checksums left partial)
// turned into ordinary MTU-sized packets with complete checksums, as the kernel's
// tcp_gso_segment / __udp_gso_segment and skb_checksum_help would have made them.

/// Validates TUN reads and plans their segmentation. It allocates nothing: the plan is
/// a value and each segment is written into the caller's buffer.
public enum OffloadSegmenter {
    /// Linux's smallest TCP send MSS (net.ipv4.tcp_min_snd_mss): no super-packet the
    /// kernel builds is cut finer, so more segments than a 64 KB packet cut this fine
    /// means the header is nonsense.
    static let smallestKernelSegmentSize = 48
    static let largestIPPacket = Int(UInt16.max)
    public static let maximumSegments =
        (largestIPPacket + smallestKernelSegmentSize - 1) / smallestKernelSegmentSize

    /// How to turn `packet` (the bytes after `header`) into segments of at most
    /// `segmentCapacity` bytes each; throws when the read must be dropped.
    public static func plan(_ header: VirtioNetHeader, packet: UnsafeRawBufferPointer,
                            segmentCapacity: Int) throws(OffloadError) -> SegmentPlan {
        let type = header.segmentationType
        switch type {
        case VirtioNetHeader.gsoNone:
            return try wholePlan(header, packet: packet, segmentCapacity: segmentCapacity)
        case VirtioNetHeader.gsoTCPv4:
            return try segmentedPlan(header, packet: packet, version: IPv4Header.version,
                                     protocolNumber: IPProtocol.tcp, segmentCapacity: segmentCapacity)
        case VirtioNetHeader.gsoTCPv6:
            return try segmentedPlan(header, packet: packet, version: IPv6Header.version,
                                     protocolNumber: IPProtocol.tcp, segmentCapacity: segmentCapacity)
        case VirtioNetHeader.gsoUDPL4:
            return try segmentedPlan(header, packet: packet, version: nil,
                                     protocolNumber: IPProtocol.udp, segmentCapacity: segmentCapacity)
        default:
            throw .unknownSegmentationType(header.gsoType)
        }
    }

    /// Completes a partial checksum in place when `header` asks for it (NEEDS_CSUM), so a
    /// read that is not a super-packet (`gsoType` none) needs no copy. Does nothing
    /// otherwise. Call it before anything rewrites the packet: incremental checksum
    /// updates assume a complete checksum.
    public static func completeChecksum(_ header: VirtioNetHeader,
                                        in packet: UnsafeMutableRawBufferPointer) throws(OffloadError) {
        guard header.needsChecksumCompletion else { return }
        try checkChecksumField(header, length: packet.count)
        completePartialChecksum(packet, start: Int(header.checksumStart), offset: Int(header.checksumOffset))
    }

    /// The field at `start + offset` holds the pseudo-header sum; adds everything from
    /// `start` to the end and stores the complement. A result of zero is stored as all
    /// ones, as the kernel's skb_checksum_help does: UDP needs it, and for every other
    /// protocol both spell the same one's-complement zero.
    static func completePartialChecksum(_ packet: UnsafeMutableRawBufferPointer, start: Int, offset: Int) {
        let field = start + offset
        let partial = packet.be16(at: field)
        packet.setBE16(0, at: field)
        let covered = UnsafeRawBufferPointer(packet.slice(start..<packet.count))
        let value = InternetChecksum.checksum(covered, initial: UInt32(partial))
        packet.setBE16(IPPacket.udpTransmitted(value), at: field)
    }

    private static func checkChecksumField(_ header: VirtioNetHeader, length: Int) throws(OffloadError) {
        let start = Int(header.checksumStart)
        let offset = Int(header.checksumOffset)
        guard start + offset + 2 <= length else {
            throw .checksumFieldOutsidePacket(start: start, offset: offset, length: length)
        }
    }

    private static func wholePlan(_ header: VirtioNetHeader, packet: UnsafeRawBufferPointer,
                                  segmentCapacity: Int) throws(OffloadError) -> SegmentPlan {
        guard packet.count <= segmentCapacity else {
            throw .segmentTooLarge(length: packet.count, capacity: segmentCapacity)
        }
        if header.needsChecksumCompletion {
            try checkChecksumField(header, length: packet.count)
        }
        return SegmentPlan(whole: packet.count, completingChecksum: header.needsChecksumCompletion,
                           checksumStart: Int(header.checksumStart), checksumOffset: Int(header.checksumOffset))
    }

    private static func segmentedPlan(_ header: VirtioNetHeader, packet: UnsafeRawBufferPointer,
                                      version: UInt8?, protocolNumber: UInt8,
                                      segmentCapacity: Int) throws(OffloadError) -> SegmentPlan {
        guard header.gsoSize > 0 else { throw .zeroSegmentSize }
        let transportOffset = try transportOffset(packet, type: header.segmentationType, version: version,
                                                  protocolNumber: protocolNumber)
        let start = Int(header.checksumStart)
        guard start == transportOffset else {
            throw .checksumStartMismatch(start: start, transportOffset: transportOffset)
        }
        let isTCP = protocolNumber == IPProtocol.tcp
        let field = isTCP ? TCPHeader.checksumOffset : UDPHeader.checksumOffset
        if header.needsChecksumCompletion && Int(header.checksumOffset) != field {
            throw .checksumOffsetMismatch(offset: Int(header.checksumOffset), expected: field)
        }
        let transportHeaderLength = isTCP ? try tcpHeaderLength(packet, at: transportOffset)
                                          : try udpHeaderLength(packet, at: transportOffset)
        let headerLength = transportOffset + transportHeaderLength
        let payload = packet.count - headerLength
        guard payload > 0 else { throw .noPayload }
        let size = Int(header.gsoSize)
        let count = (payload + size - 1) / size
        guard count <= maximumSegments else { throw .tooManySegments(count: count, limit: maximumSegments) }
        let longest = headerLength + min(size, payload)
        guard longest <= min(segmentCapacity, largestIPPacket) else {
            throw .segmentTooLarge(length: longest, capacity: min(segmentCapacity, largestIPPacket))
        }
        return SegmentPlan(packetLength: packet.count, transportOffset: transportOffset,
                           headerLength: headerLength, segmentSize: size, count: count, isTCP: isTCP)
    }

    /// Where the transport header starts, after checking version, fragmenting and protocol.
    private static func transportOffset(_ packet: UnsafeRawBufferPointer, type: UInt8, version: UInt8?,
                                        protocolNumber: UInt8) throws(OffloadError) -> Int {
        guard packet.count >= IPv4Header.minimumLength else {
            throw .tooShort(length: packet.count, minimum: IPv4Header.minimumLength)
        }
        let found = packet[0] >> 4
        if let version, found != version { throw .versionMismatch(segmentationType: type, version: found) }
        // The views are read-only here; they take mutable buffers only because they can rewrite.
        let bytes = UnsafeMutableRawBufferPointer(mutating: packet)
        let (offset, transport): (Int, UInt8)
        switch found {
        case IPv4Header.version: (offset, transport) = try ipv4Transport(bytes)
        case IPv6Header.version: (offset, transport) = try ipv6Transport(bytes)
        default: throw .versionMismatch(segmentationType: type, version: found)
        }
        guard transport == protocolNumber else {
            throw .transportMismatch(segmentationType: type, protocolNumber: transport)
        }
        return offset
    }

    private static func ipv4Transport(_ bytes: UnsafeMutableRawBufferPointer) throws(OffloadError) -> (Int, UInt8) {
        let ip: IPv4Header
        do { ip = try IPv4Header(validating: bytes) } catch { throw .malformedIPHeader(error) }
        guard !ip.moreFragments, ip.fragmentOffset == 0 else { throw .fragmented }
        return (ip.headerLength, ip.protocolNumber)
    }

    private static func ipv6Transport(_ bytes: UnsafeMutableRawBufferPointer) throws(OffloadError) -> (Int, UInt8) {
        let upper: IPv6UpperLayer
        do {
            upper = try IPv6Header(validating: bytes).upperLayer(limit: bytes.count)
        } catch {
            throw .malformedIPHeader(error)
        }
        guard upper.fragment == nil else { throw .fragmented }
        return (upper.offset, upper.protocolNumber)
    }

    private static func tcpHeaderLength(_ packet: UnsafeRawBufferPointer, at offset: Int) throws(OffloadError) -> Int {
        guard packet.count >= offset + TCPHeader.minimumLength else {
            throw .tooShort(length: packet.count, minimum: offset + TCPHeader.minimumLength)
        }
        let words = Int(packet[offset + TCPHeader.dataOffsetOffset] >> 4)
        let length = words * 4
        guard words >= TCPHeader.minimumDataOffset, offset + length <= packet.count else {
            throw .badTCPDataOffset(words)
        }
        return length
    }

    private static func udpHeaderLength(_ packet: UnsafeRawBufferPointer, at offset: Int) throws(OffloadError) -> Int {
        guard packet.count >= offset + UDPHeader.length else {
            throw .tooShort(length: packet.count, minimum: offset + UDPHeader.length)
        }
        return UDPHeader.length
    }
}
