// A view of a TCP segment (RFC 9293) in place.

/// The TCP header at the start of `bytes` (the segment: header, options, payload).
/// Field setters write the field only; checksums are kept by `IPPacket`'s rewrites
/// and by `clampMSS`.
public struct TCPHeader {
    public static let minimumLength = 20
    static let sourcePortOffset = 0
    static let destinationPortOffset = 2
    static let sequenceOffset = 4
    static let acknowledgmentOffset = 8
    static let dataOffsetOffset = 12
    static let flagsOffset = 13
    static let windowOffset = 14
    static let checksumOffset = 16
    static let urgentPointerOffset = 18
    static let minimumDataOffset = 5

    public let bytes: UnsafeMutableRawBufferPointer

    /// Checks the data offset: at least 5 words, and the header inside `bytes`.
    public init(validating bytes: UnsafeMutableRawBufferPointer) throws(PacketError) {
        guard bytes.count >= Self.minimumLength else {
            throw .truncated(protocolNumber: IPProtocol.tcp, needed: Self.minimumLength, available: bytes.count)
        }
        let words = Int(bytes[Self.dataOffsetOffset] >> 4)
        guard words >= Self.minimumDataOffset else {
            throw .badTransportHeader(protocolNumber: IPProtocol.tcp, field: "data offset", value: words)
        }
        guard words * 4 <= bytes.count else {
            throw .truncated(protocolNumber: IPProtocol.tcp, needed: words * 4, available: bytes.count)
        }
        self.bytes = bytes
    }

    public init?(_ bytes: UnsafeMutableRawBufferPointer) {
        guard let header = try? TCPHeader(validating: bytes) else { return nil }
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

    public var sequenceNumber: UInt32 { bytes.be32(at: Self.sequenceOffset) }
    public var acknowledgmentNumber: UInt32 { bytes.be32(at: Self.acknowledgmentOffset) }
    /// Header length in bytes, options included.
    public var headerLength: Int { Int(bytes[Self.dataOffsetOffset] >> 4) * 4 }
    public var flags: TCPFlags { TCPFlags(rawValue: bytes[Self.flagsOffset]) }
    public var window: UInt16 { bytes.be16(at: Self.windowOffset) }
    public var urgentPointer: UInt16 { bytes.be16(at: Self.urgentPointerOffset) }

    public var checksum: UInt16 {
        get { bytes.be16(at: Self.checksumOffset) }
        nonmutating set { bytes.setBE16(newValue, at: Self.checksumOffset) }
    }

    /// The option bytes between the fixed header and the payload.
    public var options: UnsafeMutableRawBufferPointer { bytes.slice(Self.minimumLength..<headerLength) }
    public var payload: UnsafeMutableRawBufferPointer { bytes.slice(headerLength..<bytes.count) }
}
