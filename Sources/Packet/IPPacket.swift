// A parsed IP packet: its family, addresses, fragment state and where the transport data is.
import Addresses

/// A validated IPv4 or IPv6 packet in a caller's buffer. Building one reads the headers
/// once and checks every length; the accessors then read fields in place, nothing is
/// copied and nothing allocates. The packet is mutated in place by the rewrite methods.
public struct IPPacket {
    /// Exactly the packet (the IP header's declared length; trailing buffer bytes excluded).
    public let bytes: UnsafeMutableRawBufferPointer
    public let version: IPVersion
    /// The upper-layer protocol (IPv4 protocol field, or IPv6's after extension headers).
    public let transportProtocol: UInt8
    /// Byte offset of the transport data within the packet.
    public let transportOffset: Int
    /// Fragment offset in units of 8 bytes (0 for unfragmented packets and first fragments).
    public let fragmentOffset: UInt16
    public let moreFragments: Bool
    /// IPv4 identification, or the IPv6 fragment header's (0 when IPv6 has none).
    public let fragmentIdentification: UInt32
    /// IPv6 routing header segments left (see IPv6UpperLayer); 0 for IPv4.
    public let routingSegmentsLeft: UInt8

    /// Parses the first `length` bytes of `buffer`. For packets that carry a transport
    /// header (all but non-first fragments), TCP, UDP and ICMP headers must be complete
    /// and consistent; other protocols are accepted as opaque payload.
    public static func parse(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(PacketError) -> IPPacket {
        guard length >= 0, length <= buffer.count else {
            throw .lengthOutsideBuffer(length: length, bufferSize: buffer.count)
        }
        guard length >= 1 else { throw .tooShort(length: length, minimum: IPv4Header.minimumLength) }
        let available = buffer.slice(0..<length)
        let packet: IPPacket
        switch available[0] >> 4 {
        case IPv4Header.version: packet = try parseIPv4(available)
        case IPv6Header.version: packet = try parseIPv6(available)
        case let other: throw .badVersion(other)
        }
        try packet.validateTransportHeader()
        return packet
    }

    public init?(buffer: UnsafeMutableRawBufferPointer, length: Int) {
        guard let packet = try? IPPacket.parse(buffer, length: length) else { return nil }
        self = packet
    }

    private init(bytes: UnsafeMutableRawBufferPointer, version: IPVersion, transportProtocol: UInt8,
                 transportOffset: Int, fragmentOffset: UInt16, moreFragments: Bool, identification: UInt32,
                 routingSegmentsLeft: UInt8 = 0) {
        self.bytes = bytes
        self.version = version
        self.transportProtocol = transportProtocol
        self.transportOffset = transportOffset
        self.fragmentOffset = fragmentOffset
        self.moreFragments = moreFragments
        self.fragmentIdentification = identification
        self.routingSegmentsLeft = routingSegmentsLeft
    }

    private static func parseIPv4(_ available: UnsafeMutableRawBufferPointer) throws(PacketError) -> IPPacket {
        let header = try IPv4Header(validating: available)
        return IPPacket(bytes: available.slice(0..<header.totalLength), version: .v4,
                        transportProtocol: header.protocolNumber, transportOffset: header.headerLength,
                        fragmentOffset: header.fragmentOffset, moreFragments: header.moreFragments,
                        identification: UInt32(header.identification))
    }

    private static func parseIPv6(_ available: UnsafeMutableRawBufferPointer) throws(PacketError) -> IPPacket {
        let fixed = try IPv6Header(validating: available)
        let header = IPv6Header(unchecked: available.slice(0..<fixed.totalLength))
        let upper = try header.upperLayer()
        return IPPacket(bytes: header.bytes, version: .v6,
                        transportProtocol: upper.protocolNumber, transportOffset: upper.offset,
                        fragmentOffset: upper.fragment?.offset ?? 0,
                        moreFragments: upper.fragment?.moreFragments ?? false,
                        identification: upper.fragment?.identification ?? 0,
                        routingSegmentsLeft: upper.routingSegmentsLeft)
    }

    private func validateTransportHeader() throws(PacketError) {
        guard hasTransportHeader else { return }
        let transport = transportBytes
        switch (transportProtocol, version) {
        case (IPProtocol.tcp, _):
            _ = try TCPHeader(validating: transport)
        case (IPProtocol.udp, _):
            let udp = try UDPHeader(validating: transport)
            // A fragment's UDP length covers the whole datagram, so only whole ones are checked.
            if !isFragment && udp.length != transport.count {
                throw .badTransportHeader(protocolNumber: IPProtocol.udp, field: "length", value: udp.length)
            }
        case (IPProtocol.icmpv4, .v4):
            _ = try ICMPv4Header(validating: transport)
        case (IPProtocol.icmpv6, .v6):
            _ = try ICMPv6Header(validating: transport)
        default:
            break
        }
    }

    /// Packet length in bytes.
    public var length: Int { bytes.count }
    public var transportLength: Int { bytes.count - transportOffset }
    /// The transport data: a header and payload, or the middle of a datagram for non-first fragments.
    public var transportBytes: UnsafeMutableRawBufferPointer { bytes.slice(transportOffset..<bytes.count) }

    public var isFragment: Bool { fragmentOffset != 0 || moreFragments }
    public var isFirstFragment: Bool { isFragment && fragmentOffset == 0 }
    /// Non-first fragments carry no transport header.
    public var hasTransportHeader: Bool { fragmentOffset == 0 }

    public var ipv4: IPv4Header? { version == .v4 ? IPv4Header(unchecked: bytes) : nil }
    public var ipv6: IPv6Header? { version == .v6 ? IPv6Header(unchecked: bytes) : nil }

    public var source: IPAddress {
        switch version {
        case .v4: return .v4(bytes.ipv4Address(at: IPv4Header.sourceOffset))
        case .v6: return .v6(bytes.ipv6Address(at: IPv6Header.sourceOffset))
        }
    }

    public var destination: IPAddress {
        switch version {
        case .v4: return .v4(bytes.ipv4Address(at: IPv4Header.destinationOffset))
        case .v6: return .v6(bytes.ipv6Address(at: IPv6Header.destinationOffset))
        }
    }

    /// IPv4 TTL or IPv6 hop limit.
    public var hopLimit: UInt8 {
        switch version {
        case .v4: return bytes[IPv4Header.ttlOffset]
        case .v6: return bytes[IPv6Header.hopLimitOffset]
        }
    }

    public var tcp: TCPHeader? {
        guard hasTransportHeader, transportProtocol == IPProtocol.tcp else { return nil }
        return TCPHeader(transportBytes)
    }

    public var udp: UDPHeader? {
        guard hasTransportHeader, transportProtocol == IPProtocol.udp else { return nil }
        return UDPHeader(transportBytes)
    }

    public var icmpv4: ICMPv4Header? {
        guard hasTransportHeader, version == .v4, transportProtocol == IPProtocol.icmpv4 else { return nil }
        return ICMPv4Header(transportBytes)
    }

    public var icmpv6: ICMPv6Header? {
        guard hasTransportHeader, version == .v6, transportProtocol == IPProtocol.icmpv6 else { return nil }
        return ICMPv6Header(transportBytes)
    }

    /// Whether the packet is a TCP or UDP segment with its ports present.
    public var hasPorts: Bool {
        hasTransportHeader && (transportProtocol == IPProtocol.tcp || transportProtocol == IPProtocol.udp)
    }

    /// TCP/UDP source port; nil without ports.
    public var sourcePort: UInt16? { hasPorts ? bytes.be16(at: transportOffset) : nil }
    /// TCP/UDP destination port; nil without ports.
    public var destinationPort: UInt16? { hasPorts ? bytes.be16(at: transportOffset + 2) : nil }

    /// The identifier of an ICMP/ICMPv6 echo request or reply; nil for anything else.
    public var echoIdentifier: UInt16? {
        if let icmp = icmpv4, icmp.isEcho { return icmp.identifier }
        if let icmp = icmpv6, icmp.isEcho { return icmp.identifier }
        return nil
    }
}
