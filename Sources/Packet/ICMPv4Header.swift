// A view of an ICMP message for IPv4 (RFC 792) in place.

/// The ICMP header at the start of `bytes` (the whole ICMP message).
/// Field setters write the field only; checksums are kept by `IPPacket`'s rewrites.
public struct ICMPv4Header {
    public static let length = 8
    public static let echoReply: UInt8 = 0
    public static let destinationUnreachable: UInt8 = 3
    public static let echoRequest: UInt8 = 8
    public static let timeExceeded: UInt8 = 11
    public static let parameterProblem: UInt8 = 12
    static let typeOffset = 0
    static let codeOffset = 1
    static let checksumOffset = 2
    static let identifierOffset = 4
    static let sequenceOffset = 6

    public let bytes: UnsafeMutableRawBufferPointer

    public init(validating bytes: UnsafeMutableRawBufferPointer) throws(PacketError) {
        guard bytes.count >= Self.length else {
            throw .truncated(protocolNumber: IPProtocol.icmpv4, needed: Self.length, available: bytes.count)
        }
        self.bytes = bytes
    }

    public init?(_ bytes: UnsafeMutableRawBufferPointer) {
        guard let header = try? ICMPv4Header(validating: bytes) else { return nil }
        self = header
    }

    public var type: UInt8 {
        get { bytes[Self.typeOffset] }
        nonmutating set { bytes[Self.typeOffset] = newValue }
    }

    public var code: UInt8 { bytes[Self.codeOffset] }

    public var checksum: UInt16 {
        get { bytes.be16(at: Self.checksumOffset) }
        nonmutating set { bytes.setBE16(newValue, at: Self.checksumOffset) }
    }

    public var isEcho: Bool { type == Self.echoRequest || type == Self.echoReply }

    /// Meaningful for echo messages only (see `isEcho`).
    public var identifier: UInt16 {
        get { bytes.be16(at: Self.identifierOffset) }
        nonmutating set { bytes.setBE16(newValue, at: Self.identifierOffset) }
    }

    public var sequenceNumber: UInt16 { bytes.be16(at: Self.sequenceOffset) }

    /// Whether the message reports an error about a packet it quotes.
    public var isError: Bool {
        type == Self.destinationUnreachable || type == Self.timeExceeded || type == Self.parameterProblem
    }

    /// Offset within the message of the quoted original packet, for error messages.
    public var quotedPacketOffset: Int? { isError ? Self.length : nil }
}
