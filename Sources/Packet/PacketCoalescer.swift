// Receive offload in userspace (GRO) for writes to a TUN opened with IFF_VNET_HDR:
// in-order TCP segments of one flow are merged into one super-packet that the kernel
// takes in a single write and splits again only if it must, as Linux's tcp_gro_receive
// merges them on a NIC's receive path. With `coalescesUDP` (a TUN that takes USO),
// consecutive equal-sized UDP datagrams of one flow are merged the same way into a
// UDP_L4 super-packet, which the kernel splits back into the same datagrams for a
// socket that did not ask for GRO.

/// Groups packets bound for the TUN and hands them back as writes (a virtio-net header
/// and a packet). A packet that starts a group stays in the caller's memory; when a
/// second one joins, the group moves into one of the coalescer's own buffers. Allocates
/// nothing after `init`.
///
/// Not thread-safe: all state belongs to the queue that writes the TUN (the reactor's).
public final class PacketCoalescer {
    /// Super-packets being built at once; a group finding none free is not merged.
    public static let bufferCount = 16
    /// The largest IP packet a length field can describe.
    public static let bufferCapacity = Int(UInt16.max)
    /// Groups (super-packets and single packets) held until `flush`.
    public static let entryCapacity = 256
    /// Datagrams in one UDP super-packet at most (the kernel's UDP_MAX_SEGMENTS is more).
    public static let maximumUDPSegments = 64

    /// IPv4's don't-fragment bit, in the flags byte.
    private static let dontFragmentBit = UInt8(IPv4Header.dontFragmentBit >> 8)
    private static let ipv4TypeOfServiceOffset = 1
    /// IPv6's version, traffic class and flow label: the first four bytes.
    private static let ipv6FlowWordLength = 4
    /// Field lengths of the TCP header's source and destination port, acknowledgment
    /// number and window.
    private static let portsLength = 4
    private static let acknowledgmentLength = 4
    private static let windowLength = 2
    /// The one's-complement sum of a segment with a correct checksum.
    private static let intactSum: UInt16 = 0xffff

    /// Packets appended to a group started by another packet: each is one TUN write saved.
    public private(set) var coalescedPackets: UInt64 = 0

    private let buffers: UnsafeMutableRawBufferPointer
    private var buffersUsed = 0
    /// One virtio-net header per entry, written at `flush`.
    private let headers: UnsafeMutableRawBufferPointer
    /// `VirtioNetHeader.none`, for groups of one.
    private let plainHeader: UnsafeMutableRawBufferPointer
    private let entries: UnsafeMutablePointer<Entry>
    private var entryCount = 0

    /// Whether UDP datagrams are merged too (only for a TUN that granted USO).
    public let coalescesUDP: Bool

    public init(coalescesUDP: Bool = false) {
        self.coalescesUDP = coalescesUDP
        buffers = .allocate(byteCount: Self.bufferCount * Self.bufferCapacity, alignment: 8)
        headers = .allocate(byteCount: Self.entryCapacity * VirtioNetHeader.size, alignment: 8)
        plainHeader = .allocate(byteCount: VirtioNetHeader.size, alignment: 8)
        VirtioNetHeader.none.write(to: plainHeader)
        entries = .allocate(capacity: Self.entryCapacity)
        entries.initialize(repeating: Entry.unused, count: Self.entryCapacity)
    }

    deinit {
        buffers.deallocate()
        headers.deallocate()
        plainHeader.deallocate()
        entries.deinitialize(count: Self.entryCapacity)
        entries.deallocate()
    }

    /// Packets and super-packets waiting for `flush`.
    public var pendingCount: Int { entryCount }

    /// Adds `packet`, a complete IPv4 or IPv6 packet whose bytes stay valid and unchanged
    /// until `flush`: it joins its flow's open group or starts a new group. Returns false,
    /// taking nothing, when it needs a new group and all `entryCapacity` are taken; the
    /// caller then flushes and adds it again.
    public func add(_ packet: UnsafeRawBufferPointer) -> Bool {
        let segment = Segment(packet, udp: coalescesUDP)
        // A fragment of a segment or datagram cannot be matched to its flow (its ports may
        // be in another fragment): nothing between its addresses may merge past it.
        if segment == nil, mayBeMerged(packet) { closeGroups(between: packet) }
        if let segment, let latest = latestEntry(of: segment, in: packet) {
            if join(packet, segment, to: latest) { return true }
        }
        guard entryCount < Self.entryCapacity else { return false }
        entries[entryCount] = Entry(packet: packet, segment: segment)
        entryCount += 1
        return true
    }

    /// Hands every group to `write` in the order the groups were started, as the
    /// virtio-net header and the packet to write after it (for writev), then empties.
    public func flush(_ write: (_ header: UnsafeRawBufferPointer, _ packet: UnsafeRawBufferPointer) -> Void) {
        for index in 0..<entryCount {
            let entry = entries[index]
            if entry.members == 1 {
                write(UnsafeRawBufferPointer(plainHeader), entry.packet)
            } else {
                let header = headers.slice((index * VirtioNetHeader.size)..<((index + 1) * VirtioNetHeader.size))
                write(UnsafeRawBufferPointer(header), finish(entry, header: header))
            }
        }
        entryCount = 0
        buffersUsed = 0
    }

    // MARK: - Grouping

    /// The newest group of `segment`'s flow: only it may take the segment, so the
    /// flow's order is kept.
    private func latestEntry(of segment: Segment, in packet: UnsafeRawBufferPointer) -> Int? {
        var index = entryCount - 1
        while index >= 0 {
            let entry = entries[index]
            if let other = entry.segment, Self.sameFlow(segment, packet, other, entry.packet) { return index }
            index -= 1
        }
        return nil
    }

    /// An IPv4 packet of a protocol this coalescer merges, or an IPv6 one whose first
    /// header is such a protocol or a fragment header.
    private func mayBeMerged(_ packet: UnsafeRawBufferPointer) -> Bool {
        guard let first = packet.first else { return false }
        func merged(_ number: UInt8) -> Bool { number == IPProtocol.tcp || (coalescesUDP && number == IPProtocol.udp) }
        switch first >> 4 {
        case IPv4Header.version:
            return packet.count >= IPv4Header.minimumLength && merged(packet[IPv4Header.protocolOffset])
        case IPv6Header.version:
            guard packet.count >= IPv6Header.length else { return false }
            let next = packet[IPv6Header.nextHeaderOffset]
            return merged(next) || next == IPProtocol.ipv6Fragment
        default:
            return false
        }
    }

    /// Closes every open group whose packets have `packet`'s source and destination.
    private func closeGroups(between packet: UnsafeRawBufferPointer) {
        let addresses = packet[0] >> 4 == IPv4Header.version
            ? IPv4Header.sourceOffset..<(IPv4Header.destinationOffset + 4)
            : IPv6Header.sourceOffset..<IPv6Header.length
        for index in 0..<entryCount where entries[index].isOpen && entries[index].segment != nil {
            let other = entries[index].packet
            guard other.count >= addresses.upperBound, other[0] >> 4 == packet[0] >> 4,
                  other[addresses].elementsEqual(packet[addresses]) else { continue }
            entries[index].isOpen = false
        }
    }

    private func join(_ packet: UnsafeRawBufferPointer, _ segment: Segment, to index: Int) -> Bool {
        var entry = entries[index]
        guard entry.isOpen, segment.isMergeable, let head = entry.segment,
              Self.mergeable(segment, packet, into: head, entry.packet),
              segment.isUDP || segment.sequence == entry.nextSequence,
              Self.continuesIdentification(packet, segment, entry),
              segment.payloadLength <= head.payloadLength,
              entry.length + segment.payloadLength <= Self.bufferCapacity,
              !segment.isUDP || entry.members < Self.maximumUDPSegments
        else { return false }
        guard Self.isIntact(packet, segment) else { return false }
        if entry.members == 1 {
            guard buffersUsed < Self.bufferCount, Self.isIntact(entry.packet, head) else {
                entries[index].isOpen = false
                return false
            }
            entry.moveIntoBuffer(buffers.slice((buffersUsed * Self.bufferCapacity)..<((buffersUsed + 1) * Self.bufferCapacity)))
            buffersUsed += 1
        }
        entry.append(payload: UnsafeRawBufferPointer(rebasing: packet[segment.payloadOffset..<packet.count]),
                     of: segment, closing: segment.pushes || segment.payloadLength < head.payloadLength)
        entries[index] = entry
        coalescedPackets += 1
        return true
    }

    /// Fixes lengths and checksums of a group of two or more and describes it in `header`.
    private func finish(_ entry: Entry, header: UnsafeMutableRawBufferPointer) -> UnsafeRawBufferPointer {
        guard let buffer = entry.buffer, let head = entry.segment else {
            preconditionFailure("a group of \(entry.members) lives in a buffer")
        }
        let packet = buffer.slice(0..<entry.length)
        let transport = head.transportOffset
        if head.version == IPv4Header.version {
            packet.setBE16(UInt16(entry.length), at: IPv4Header.totalLengthOffset)
            IPv4Header(unchecked: packet).recomputeChecksum()
        } else {
            packet.setBE16(UInt16(entry.length - IPv6Header.length), at: IPv6Header.payloadLengthOffset)
        }
        // CHECKSUM_PARTIAL: the field holds the pseudo-header sum, not complemented;
        // the kernel adds the segment's bytes when it checksums or splits it.
        let pseudo = PseudoHeader.sum(UnsafeRawBufferPointer(packet), protocolNumber: head.protocolNumber,
                                      transportLength: entry.length - transport)
        let gsoType: UInt8
        let checksumOffset: Int
        if head.isUDP {
            packet.setBE16(UInt16(entry.length - transport), at: transport + UDPHeader.lengthOffset)
            gsoType = VirtioNetHeader.gsoUDPL4
            checksumOffset = UDPHeader.checksumOffset
        } else {
            gsoType = head.version == IPv4Header.version ? VirtioNetHeader.gsoTCPv4 : VirtioNetHeader.gsoTCPv6
            checksumOffset = TCPHeader.checksumOffset
        }
        packet.setBE16(pseudo, at: transport + checksumOffset)
        VirtioNetHeader(flags: VirtioNetHeader.needsChecksum, gsoType: gsoType,
                        headerLength: UInt16(head.payloadOffset), gsoSize: UInt16(head.payloadLength),
                        checksumStart: UInt16(transport), checksumOffset: UInt16(checksumOffset))
            .write(to: header)
        return UnsafeRawBufferPointer(packet)
    }

    // MARK: - Comparisons

    /// Same IP version, protocol, addresses and ports.
    private static func sameFlow(_ a: Segment, _ aBytes: UnsafeRawBufferPointer,
                                 _ b: Segment, _ bBytes: UnsafeRawBufferPointer) -> Bool {
        guard a.version == b.version, a.protocolNumber == b.protocolNumber else { return false }
        let addresses = a.version == IPv4Header.version ? PseudoHeader.ipv4AddressesRange : PseudoHeader.ipv6AddressesRange
        return equal(aBytes, addresses, bBytes, addresses.lowerBound)
            && equal(aBytes, a.transportOffset..<(a.transportOffset + portsLength), bBytes, b.transportOffset)
    }

    /// What GRO requires beyond the flow for `a` to continue `b`'s group: the same
    /// IP header fields that are not lengths or ids, TCP header length and options,
    /// acknowledgment number and window.
    private static func mergeable(_ a: Segment, _ aBytes: UnsafeRawBufferPointer,
                                  into b: Segment, _ bBytes: UnsafeRawBufferPointer) -> Bool {
        guard a.headerLength == b.headerLength else { return false }
        if a.version == IPv4Header.version {
            guard aBytes[ipv4TypeOfServiceOffset] == bBytes[ipv4TypeOfServiceOffset],
                  aBytes[IPv4Header.ttlOffset] == bBytes[IPv4Header.ttlOffset],
                  aBytes[IPv4Header.flagsAndFragmentOffset] & dontFragmentBit
                      == bBytes[IPv4Header.flagsAndFragmentOffset] & dontFragmentBit
            else { return false }
        } else {
            guard equal(aBytes, 0..<ipv6FlowWordLength, bBytes, 0),
                  aBytes[IPv6Header.hopLimitOffset] == bBytes[IPv6Header.hopLimitOffset]
            else { return false }
        }
        // A UDP header has nothing else to compare: ports are the flow, lengths differ.
        if a.isUDP { return true }
        let t = a.transportOffset
        let ack = (t + TCPHeader.acknowledgmentOffset)..<(t + TCPHeader.acknowledgmentOffset + acknowledgmentLength)
        let window = (t + TCPHeader.windowOffset)..<(t + TCPHeader.windowOffset + windowLength)
        let options = (t + TCPHeader.minimumLength)..<a.payloadOffset
        return equal(aBytes, ack, bBytes, ack.lowerBound)
            && equal(aBytes, window, bBytes, window.lowerBound)
            && equal(aBytes, options, bBytes, options.lowerBound)
    }

    /// Without DF an IPv4 id still matters (for reassembly), and the kernel gives segment
    /// i of a super-packet the first id + i: so only consecutive ids merge, as in GRO.
    private static func continuesIdentification(_ packet: UnsafeRawBufferPointer, _ segment: Segment,
                                                _ entry: Entry) -> Bool {
        guard segment.version == IPv4Header.version,
              packet[IPv4Header.flagsAndFragmentOffset] & dontFragmentBit == 0 else { return true }
        let id = packet.loadUnaligned(fromByteOffset: IPv4Header.identificationOffset, as: UInt16.self)
        let first = entry.packet.loadUnaligned(fromByteOffset: IPv4Header.identificationOffset, as: UInt16.self)
        return UInt16(bigEndian: id) == UInt16(bigEndian: first) &+ UInt16(truncatingIfNeeded: entry.members)
    }

    /// Whether the IPv4 header checksum and the TCP (or UDP) checksum hold. Merging hides a bad
    /// one (the kernel trusts a partial checksum), so only intact segments are merged;
    /// the others are written alone for the kernel to check and drop.
    private static func isIntact(_ packet: UnsafeRawBufferPointer, _ segment: Segment) -> Bool {
        let transport = segment.transportOffset
        if segment.version == IPv4Header.version {
            let header = UnsafeRawBufferPointer(rebasing: packet[0..<transport])
            guard InternetChecksum.sum(header) == intactSum else { return false }
        }
        let pseudo = PseudoHeader.sum(packet, protocolNumber: segment.protocolNumber,
                                      transportLength: packet.count - transport)
        let transportBytes = UnsafeRawBufferPointer(rebasing: packet[transport..<packet.count])
        return InternetChecksum.sum(transportBytes, initial: UInt32(pseudo)) == intactSum
    }

    /// Whether `a[range]` equals the same number of bytes of `b` from `bStart`.
    private static func equal(_ a: UnsafeRawBufferPointer, _ range: Range<Int>,
                              _ b: UnsafeRawBufferPointer, _ bStart: Int) -> Bool {
        var i = 0
        let wide = MemoryLayout<UInt64>.size
        while i + wide <= range.count {
            guard a.loadUnaligned(fromByteOffset: range.lowerBound + i, as: UInt64.self)
                == b.loadUnaligned(fromByteOffset: bStart + i, as: UInt64.self) else { return false }
            i += wide
        }
        while i < range.count {
            guard a[range.lowerBound + i] == b[bStart + i] else { return false }
            i += 1
        }
        return true
    }
}
