// A view of an IPv6 header (RFC 8200) in place, and the walk over its extension headers.
import Addresses

/// The IPv6 fixed header at the start of `bytes`. Field setters write the field only;
/// use `IPPacket`'s rewrite methods to keep checksums right.
public struct IPv6Header {
    public static let version: UInt8 = 6
    public static let length = 40
    /// Real traffic carries a handful; the bound keeps the walk short on hostile input.
    public static let maxExtensionHeaders = 8
    static let payloadLengthOffset = 4
    static let nextHeaderOffset = 6
    static let hopLimitOffset = 7
    static let sourceOffset = 8
    static let destinationOffset = 24
    static let extensionUnit = 8
    static let fragmentHeaderLength = 8
    static let fragmentOffsetShift: UInt16 = 3
    static let fragmentMoreBit: UInt16 = 0x0001
    /// RFC 8200 4.4: next header, length, routing type, then segments left.
    static let routingSegmentsLeftOffset = 3

    /// The packet's bytes; at least `totalLength` long.
    public let bytes: UnsafeMutableRawBufferPointer

    /// Checks version and payload length against the bytes present
    /// (`bytes` may extend past the packet).
    public init(validating bytes: UnsafeMutableRawBufferPointer) throws(PacketError) {
        guard bytes.count >= Self.length else {
            throw .tooShort(length: bytes.count, minimum: Self.length)
        }
        let version = bytes[0] >> 4
        guard version == Self.version else { throw .badVersion(version) }
        let total = Self.length + Int(bytes.be16(at: Self.payloadLengthOffset))
        guard total <= bytes.count else {
            throw .badTotalLength(declared: total, available: bytes.count)
        }
        self.bytes = bytes
    }

    public init?(_ bytes: UnsafeMutableRawBufferPointer) {
        guard let header = try? IPv6Header(validating: bytes) else { return nil }
        self = header
    }

    /// For bytes already known to hold at least the fixed header.
    init(unchecked bytes: UnsafeMutableRawBufferPointer) {
        self.bytes = bytes
    }

    public var trafficClass: UInt8 { UInt8(truncatingIfNeeded: bytes.be16(at: 0) >> 4) }
    public var flowLabel: UInt32 { bytes.be32(at: 0) & 0x000f_ffff }
    public var payloadLength: Int { Int(bytes.be16(at: Self.payloadLengthOffset)) }
    /// Fixed header plus payload.
    public var totalLength: Int { Self.length + payloadLength }
    /// The next header after the fixed header (maybe an extension header).
    public var nextHeader: UInt8 { bytes[Self.nextHeaderOffset] }

    public var hopLimit: UInt8 {
        get { bytes[Self.hopLimitOffset] }
        nonmutating set { bytes[Self.hopLimitOffset] = newValue }
    }

    public var source: IPv6Address {
        get { bytes.ipv6Address(at: Self.sourceOffset) }
        nonmutating set { bytes.setIPv6Address(newValue, at: Self.sourceOffset) }
    }

    public var destination: IPv6Address {
        get { bytes.ipv6Address(at: Self.destinationOffset) }
        nonmutating set { bytes.setIPv6Address(newValue, at: Self.destinationOffset) }
    }

    /// Walks hop-by-hop, routing, fragment and destination-options headers to the
    /// upper-layer protocol, never past `limit` bytes (the packet end).
    /// After a fragment header with a non-zero offset the walk stops: what follows is
    /// the middle of the payload, not a header.
    public func upperLayer(limit: Int? = nil) throws(PacketError) -> IPv6UpperLayer {
        let end = Swift.min(limit ?? totalLength, bytes.count)
        var next = nextHeader
        var offset = Self.length
        var fragment: IPv6FragmentInfo?
        var segmentsLeft: UInt8 = 0
        var walked = 0
        while IPProtocol.isWalkableIPv6Extension(next) {
            guard walked < Self.maxExtensionHeaders else {
                throw .tooManyExtensionHeaders(limit: Self.maxExtensionHeaders)
            }
            walked += 1
            guard end - offset >= Self.extensionUnit else {
                throw .truncated(protocolNumber: next, needed: Self.extensionUnit, available: end - offset)
            }
            let following = bytes[offset]
            if next == IPProtocol.ipv6Fragment {
                let info = fragmentInfo(at: offset)
                fragment = info
                offset += Self.fragmentHeaderLength
                next = following
                if info.offset != 0 { break }
            } else {
                let length = (Int(bytes[offset + 1]) + 1) * Self.extensionUnit
                guard length <= end - offset else {
                    throw .truncated(protocolNumber: next, needed: length, available: end - offset)
                }
                if next == IPProtocol.ipv6Routing {
                    segmentsLeft = Swift.max(segmentsLeft, bytes[offset + Self.routingSegmentsLeftOffset])
                }
                offset += length
                next = following
            }
        }
        return IPv6UpperLayer(protocolNumber: next, offset: offset, fragment: fragment,
                              routingSegmentsLeft: segmentsLeft)
    }

    private func fragmentInfo(at offset: Int) -> IPv6FragmentInfo {
        let field = bytes.be16(at: offset + 2)
        return IPv6FragmentInfo(offset: field >> Self.fragmentOffsetShift,
                                moreFragments: field & Self.fragmentMoreBit != 0,
                                identification: bytes.be32(at: offset + 4),
                                headerOffset: offset)
    }
}
