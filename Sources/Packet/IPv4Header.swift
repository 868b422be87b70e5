// A view of an IPv4 header (RFC 791) in place.
import Addresses

/// The IPv4 header at the start of `bytes`. Field setters write the field only;
/// use `IPPacket`'s rewrite methods to keep checksums right.
public struct IPv4Header {
    public static let version: UInt8 = 4
    public static let minimumLength = 20
    static let versionAndIHLOffset = 0
    static let totalLengthOffset = 2
    static let identificationOffset = 4
    static let flagsAndFragmentOffset = 6
    static let ttlOffset = 8
    static let protocolOffset = 9
    static let checksumOffset = 10
    static let sourceOffset = 12
    static let destinationOffset = 16
    static let dontFragmentBit: UInt16 = 0x4000
    static let moreFragmentsBit: UInt16 = 0x2000
    static let fragmentOffsetMask: UInt16 = 0x1fff

    /// The packet's bytes; at least `totalLength` long.
    public let bytes: UnsafeMutableRawBufferPointer

    /// Checks version, header length and total length against the bytes present
    /// (`bytes` may extend past the packet).
    public init(validating bytes: UnsafeMutableRawBufferPointer) throws(PacketError) {
        guard bytes.count >= Self.minimumLength else {
            throw .tooShort(length: bytes.count, minimum: Self.minimumLength)
        }
        let version = bytes[Self.versionAndIHLOffset] >> 4
        guard version == Self.version else { throw .badVersion(version) }
        let headerLength = Int(bytes[Self.versionAndIHLOffset] & 0x0f) * 4
        guard headerLength >= Self.minimumLength, headerLength <= bytes.count else {
            throw .badHeaderLength(headerLength: headerLength, available: bytes.count)
        }
        let total = Int(bytes.be16(at: Self.totalLengthOffset))
        guard total >= headerLength, total <= bytes.count else {
            throw .badTotalLength(declared: total, available: bytes.count)
        }
        self.bytes = bytes
    }

    public init?(_ bytes: UnsafeMutableRawBufferPointer) {
        guard let header = try? IPv4Header(validating: bytes) else { return nil }
        self = header
    }

    /// For bytes already known to hold at least a complete header.
    init(unchecked bytes: UnsafeMutableRawBufferPointer) {
        self.bytes = bytes
    }

    /// Header length in bytes (IHL * 4), options included.
    public var headerLength: Int { Int(bytes[Self.versionAndIHLOffset] & 0x0f) * 4 }

    public var totalLength: Int { Int(bytes.be16(at: Self.totalLengthOffset)) }

    public var identification: UInt16 {
        get { bytes.be16(at: Self.identificationOffset) }
        nonmutating set { bytes.setBE16(newValue, at: Self.identificationOffset) }
    }

    var flagsAndFragment: UInt16 { bytes.be16(at: Self.flagsAndFragmentOffset) }
    public var dontFragment: Bool { flagsAndFragment & Self.dontFragmentBit != 0 }
    public var moreFragments: Bool { flagsAndFragment & Self.moreFragmentsBit != 0 }
    /// Offset of this fragment in the original payload, in units of 8 bytes.
    public var fragmentOffset: UInt16 { flagsAndFragment & Self.fragmentOffsetMask }

    public var timeToLive: UInt8 {
        get { bytes[Self.ttlOffset] }
        nonmutating set { bytes[Self.ttlOffset] = newValue }
    }

    public var protocolNumber: UInt8 { bytes[Self.protocolOffset] }

    public var checksum: UInt16 {
        get { bytes.be16(at: Self.checksumOffset) }
        nonmutating set { bytes.setBE16(newValue, at: Self.checksumOffset) }
    }

    public var source: IPv4Address {
        get { bytes.ipv4Address(at: Self.sourceOffset) }
        nonmutating set { bytes.setIPv4Address(newValue, at: Self.sourceOffset) }
    }

    public var destination: IPv4Address {
        get { bytes.ipv4Address(at: Self.destinationOffset) }
        nonmutating set { bytes.setIPv4Address(newValue, at: Self.destinationOffset) }
    }

    /// The header checksum computed from scratch (the stored one is not summed).
    public var computedChecksum: UInt16 {
        let before = InternetChecksum.sum(UnsafeRawBufferPointer(bytes.slice(0..<Self.checksumOffset)))
        let after = bytes.slice((Self.checksumOffset + 2)..<headerLength)
        return InternetChecksum.checksum(UnsafeRawBufferPointer(after), initial: UInt32(before))
    }

    /// Stores `computedChecksum`.
    public func recomputeChecksum() {
        checksum = computedChecksum
    }
}
