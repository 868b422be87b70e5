// A view of a UDP datagram header (RFC 768) in place.

/// The UDP header at the start of `bytes` (header and payload).
/// Field setters write the field only; checksums are kept by `IPPacket`'s rewrites.
public struct UDPHeader {
    public static let length = 8
    static let sourcePortOffset = 0
    static let destinationPortOffset = 2
    static let lengthOffset = 4
    static let checksumOffset = 6
    /// Over IPv4 a stored zero means "no checksum"; a computed zero is sent as all ones.
    public static let noChecksum: UInt16 = 0

    public let bytes: UnsafeMutableRawBufferPointer

    /// Checks that the eight header bytes are present. The length field is checked by
    /// `IPPacket`, which knows whether the datagram is fragmented.
    public init(validating bytes: UnsafeMutableRawBufferPointer) throws(PacketError) {
        guard bytes.count >= Self.length else {
            throw .truncated(protocolNumber: IPProtocol.udp, needed: Self.length, available: bytes.count)
        }
        self.bytes = bytes
    }

    public init?(_ bytes: UnsafeMutableRawBufferPointer) {
        guard let header = try? UDPHeader(validating: bytes) else { return nil }
        self = header
    }

    public var sourcePort: UInt16 {
        get { bytes.be16(at: Self.sourcePortOffset) }
        nonmutating set { bytes.setBE16(newValue, at: Self.sourcePortOffset) }
    }

    public var destinationPort: UInt16 {
        get { bytes.be16(at: Self.destinationPortOffset) }
        nonmutating set { bytes.setBE16(newValue, at: Self.destinationPortOffset) }
    }

    /// Header plus payload, as the datagram declares it.
    public var length: Int { Int(bytes.be16(at: Self.lengthOffset)) }

    public var checksum: UInt16 {
        get { bytes.be16(at: Self.checksumOffset) }
        nonmutating set { bytes.setBE16(newValue, at: Self.checksumOffset) }
    }

    public var payload: UnsafeMutableRawBufferPointer { bytes.slice(Self.length..<bytes.count) }
}
