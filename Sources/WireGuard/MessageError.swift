// Why a datagram is not a well-formed WireGuard message.
public enum MessageError: Error, Equatable, CustomStringConvertible {
    case wrongLength(type: MessageType, expected: Int, got: Int)
    /// `got` is the first 32-bit word, little-endian, or nil if fewer than 4 bytes.
    case wrongType(expected: MessageType, got: UInt32?)

    public var description: String {
        switch self {
        case let .wrongLength(type, expected, got):
            return "a \(type) message is \(expected) bytes, got \(got)"
        case let .wrongType(expected, got):
            let word = got.map { "0x" + String($0, radix: 16) } ?? "nothing (datagram under 4 bytes)"
            return "expected message type \(expected.rawValue) (\(expected)) with zero reserved bytes, got \(word)"
        }
    }
}
