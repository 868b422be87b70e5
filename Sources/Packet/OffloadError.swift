// Why a packet read from an IFF_VNET_HDR TUN could not be segmented.

/// A reason to drop a TUN read, with the numbers that show what was wrong with it.
public enum OffloadError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer bytes than the headers the virtio-net header announces.
    case tooShort(length: Int, minimum: Int)
    /// The checksum field (`csum_start + csum_offset`, two bytes) lies outside the packet.
    case checksumFieldOutsidePacket(start: Int, offset: Int, length: Int)
    /// `csum_offset` does not name the checksum field of the protocol being segmented.
    case checksumOffsetMismatch(offset: Int, expected: Int)
    /// A super-packet with `gso_size` zero cannot be split.
    case zeroSegmentSize
    /// A `gso_type` this program does not segment (e.g. UFO, 3).
    case unknownSegmentationType(UInt8)
    /// The IP version nibble contradicts the `gso_type` (TCPV4 needs 4, TCPV6 needs 6).
    case versionMismatch(segmentationType: UInt8, version: UInt8)
    /// The transport header at `csum_start` is not the protocol the `gso_type` names.
    case transportMismatch(segmentationType: UInt8, protocolNumber: UInt8)
    /// `csum_start` is not where the IP header(s) end.
    case checksumStartMismatch(start: Int, transportOffset: Int)
    /// The IP header itself is malformed (version, length fields, extension headers).
    case malformedIPHeader(PacketError)
    /// A fragment cannot be a super-packet.
    case fragmented
    /// The TCP data offset is under 5 words or runs past the packet.
    case badTCPDataOffset(Int)
    /// A super-packet with no payload after its headers.
    case noPayload
    /// A segment would not fit the caller's segment buffer.
    case segmentTooLarge(length: Int, capacity: Int)
    /// More segments than `OffloadSegmenter.maximumSegments`.
    case tooManySegments(count: Int, limit: Int)

    public var description: String {
        switch self {
        case .tooShort(let length, let minimum):
            return "TUN packet of \(length) bytes is shorter than its headers (\(minimum) bytes)"
        case .checksumFieldOutsidePacket(let start, let offset, let length):
            return "checksum field at csum_start \(start) + csum_offset \(offset) lies outside the \(length)-byte packet"
        case .checksumOffsetMismatch(let offset, let expected):
            return "csum_offset \(offset) is not the transport checksum field (\(expected))"
        case .zeroSegmentSize:
            return "super-packet has gso_size 0"
        case .unknownSegmentationType(let type):
            return "gso_type \(type) is not segmented here (TCPv4, TCPv6 and UDP_L4 are)"
        case .versionMismatch(let type, let version):
            return "gso_type \(type) does not match IP version \(version)"
        case .transportMismatch(let type, let proto):
            return "gso_type \(type) does not match transport protocol \(proto)"
        case .checksumStartMismatch(let start, let transportOffset):
            return "csum_start \(start) is not the transport header's offset \(transportOffset)"
        case .malformedIPHeader(let error):
            return "super-packet's IP header is malformed: \(error)"
        case .fragmented:
            return "super-packet is an IP fragment"
        case .badTCPDataOffset(let words):
            return "TCP data offset \(words) words is under 5 or runs past the packet"
        case .noPayload:
            return "super-packet carries no payload"
        case .segmentTooLarge(let length, let capacity):
            return "segment of \(length) bytes exceeds the \(capacity)-byte segment buffer"
        case .tooManySegments(let count, let limit):
            return "super-packet would split into \(count) segments, more than \(limit)"
        }
    }
}
