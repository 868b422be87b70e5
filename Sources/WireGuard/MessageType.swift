// The four WireGuard message types. On the wire the type is a little-endian 32-bit word:
// the type byte followed by three reserved zero bytes.
public enum MessageType: UInt8, Sendable {
    case handshakeInitiation = 1
    case handshakeResponse = 2
    case cookieReply = 3
    case transportData = 4

    /// The type of a datagram, or nil if too short or the reserved bytes are not zero.
    public static func of(_ datagram: UnsafeRawBufferPointer) -> MessageType? {
        guard datagram.count >= 4, datagram[1] == 0, datagram[2] == 0, datagram[3] == 0 else { return nil }
        return MessageType(rawValue: datagram[0])
    }

    public static func of(_ datagram: [UInt8]) -> MessageType? {
        datagram.withUnsafeBytes { of($0) }
    }
}
