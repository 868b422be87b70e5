// The virtio-net header (include/uapi/linux/virtio_net.h) that leads every read from
// and write to a TUN opened with IFF_VNET_HDR: how the kernel hands over and takes
// back super-packets whose segmentation and checksums are still to be done.

/// `struct virtio_net_hdr`, the 10 bytes before each packet on an IFF_VNET_HDR TUN.
/// Fields are in the host's byte order: a TUN without TUNSETVNETBE speaks the legacy,
/// native-endian layout.
public struct VirtioNetHeader: Equatable, Sendable {
    public static let size = 10

    /// `flags`: the checksum at `checksumStart + checksumOffset` holds only the
    /// pseudo-header sum; the rest is still to be added (CHECKSUM_PARTIAL).
    public static let needsChecksum: UInt8 = 1
    /// `flags`: the checksum was already verified.
    public static let dataValid: UInt8 = 2

    /// `gsoType` values: what kind of super-packet follows, if any.
    public static let gsoNone: UInt8 = 0
    public static let gsoTCPv4: UInt8 = 1
    public static let gsoTCPv6: UInt8 = 4
    public static let gsoUDPL4: UInt8 = 5
    /// Or-ed into `gsoType` when the TCP super-packet carries CWR (ECN).
    public static let gsoECN: UInt8 = 0x80

    static let flagsOffset = 0
    static let gsoTypeOffset = 1
    static let headerLengthOffset = 2
    static let gsoSizeOffset = 4
    static let checksumStartOffset = 6
    static let checksumOffsetOffset = 8

    public var flags: UInt8
    public var gsoType: UInt8
    /// `hdr_len`: the headers' length as the sender claims it (a hint; not trusted).
    public var headerLength: UInt16
    /// `gso_size`: payload bytes per segment.
    public var gsoSize: UInt16
    /// `csum_start`: where the checksummed data (the transport header) begins.
    public var checksumStart: UInt16
    /// `csum_offset`: the checksum field's offset from `checksumStart`.
    public var checksumOffset: UInt16

    /// An ordinary packet with complete checksums.
    public static let none = VirtioNetHeader(flags: 0, gsoType: gsoNone, headerLength: 0, gsoSize: 0,
                                             checksumStart: 0, checksumOffset: 0)

    public init(flags: UInt8, gsoType: UInt8, headerLength: UInt16, gsoSize: UInt16,
                checksumStart: UInt16, checksumOffset: UInt16) {
        self.flags = flags
        self.gsoType = gsoType
        self.headerLength = headerLength
        self.gsoSize = gsoSize
        self.checksumStart = checksumStart
        self.checksumOffset = checksumOffset
    }

    /// The header at the start of `bytes`; nil when fewer than `size` bytes are present.
    public init?(reading bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.size else { return nil }
        flags = bytes[Self.flagsOffset]
        gsoType = bytes[Self.gsoTypeOffset]
        headerLength = bytes.loadUnaligned(fromByteOffset: Self.headerLengthOffset, as: UInt16.self)
        gsoSize = bytes.loadUnaligned(fromByteOffset: Self.gsoSizeOffset, as: UInt16.self)
        checksumStart = bytes.loadUnaligned(fromByteOffset: Self.checksumStartOffset, as: UInt16.self)
        checksumOffset = bytes.loadUnaligned(fromByteOffset: Self.checksumOffsetOffset, as: UInt16.self)
    }

    /// Stores the header in the first `size` bytes of `bytes`, which must hold them.
    public func write(to bytes: UnsafeMutableRawBufferPointer) {
        precondition(bytes.count >= Self.size, "a virtio-net header needs \(Self.size) bytes")
        bytes[Self.flagsOffset] = flags
        bytes[Self.gsoTypeOffset] = gsoType
        bytes.storeBytes(of: headerLength, toByteOffset: Self.headerLengthOffset, as: UInt16.self)
        bytes.storeBytes(of: gsoSize, toByteOffset: Self.gsoSizeOffset, as: UInt16.self)
        bytes.storeBytes(of: checksumStart, toByteOffset: Self.checksumStartOffset, as: UInt16.self)
        bytes.storeBytes(of: checksumOffset, toByteOffset: Self.checksumOffsetOffset, as: UInt16.self)
    }

    /// Whether `flags` asks for the checksum to be completed.
    public var needsChecksumCompletion: Bool { flags & Self.needsChecksum != 0 }

    /// `gsoType` without the ECN bit.
    public var segmentationType: UInt8 { gsoType & ~Self.gsoECN }
}
