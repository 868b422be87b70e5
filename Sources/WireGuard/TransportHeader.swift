// Message type 4 header (16 bytes): receiver index and 64-bit counter, both little-endian,
// followed by the encrypted, 16-byte-padded payload and its tag. Read and written in place.
public struct TransportHeader: Equatable, Sendable {
    public static let length = 16
    /// Header plus the Poly1305 tag: the shortest valid message, a keepalive.
    public static let minimumMessageLength = length + ChaChaPoly.tagLength
    /// Payloads are zero-padded to a multiple of this before encryption.
    public static let paddingMultiple = 16

    public var receiverIndex: UInt32
    public var counter: UInt64

    public init(receiverIndex: UInt32, counter: UInt64) {
        self.receiverIndex = receiverIndex
        self.counter = counter
    }

    /// Nil unless the datagram is type 4 and at least header + tag long.
    public init?(parsing datagram: UnsafeRawBufferPointer) {
        guard datagram.count >= Self.minimumMessageLength, MessageType.of(datagram) == .transportData else { return nil }
        receiverIndex = datagram.loadUnaligned(fromByteOffset: 4, as: UInt32.self).littleEndian
        counter = datagram.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian
    }

    /// Writes the 16 header bytes at the start of `buffer` (which must hold them).
    public func write(to buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count >= Self.length, "transport header needs 16 bytes")
        buffer.storeBytes(of: UInt32(MessageType.transportData.rawValue).littleEndian, toByteOffset: 0, as: UInt32.self)
        buffer.storeBytes(of: receiverIndex.littleEndian, toByteOffset: 4, as: UInt32.self)
        buffer.storeBytes(of: counter.littleEndian, toByteOffset: 8, as: UInt64.self)
    }

    /// Payload length rounded up to the padding multiple, but never past the MTU when the
    /// payload itself fits (as the kernel and wireguard-go pad).
    public static func paddedLength(_ payloadLength: Int, mtu: Int = Int.max) -> Int {
        let padded = (payloadLength + paddingMultiple - 1) / paddingMultiple * paddingMultiple
        return payloadLength <= mtu ? min(padded, mtu) : padded
    }
}
