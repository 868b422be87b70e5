// Bounds-checked sequential reads from a datagram. Callers check the total length first;
// the reader still never reads past its buffer, returning zeros if asked to.
struct WireReader {
    private let bytes: UnsafeRawBufferPointer
    private(set) var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func take(_ count: Int) -> [UInt8] {
        guard count >= 0, offset + count <= bytes.count else {
            offset = bytes.count
            return [UInt8](repeating: 0, count: max(count, 0))
        }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func uint32LE() -> UInt32 {
        take(4).enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
    }

    /// Validates length and the type word shared by every message.
    static func check(_ bytes: UnsafeRawBufferPointer, type: MessageType, length: Int) throws {
        guard MessageType.of(bytes) == type else {
            var word: UInt32?
            if bytes.count >= 4 { var r = WireReader(bytes); word = r.uint32LE() }
            throw MessageError.wrongType(expected: type, got: word)
        }
        guard bytes.count == length else {
            throw MessageError.wrongLength(type: type, expected: length, got: bytes.count)
        }
    }
}

extension Array where Element == UInt8 {
    mutating func appendLE(_ value: UInt32) {
        for i in 0..<4 { append(UInt8(truncatingIfNeeded: value >> (8 * i))) }
    }

    static func messageHeader(_ type: MessageType) -> [UInt8] { [type.rawValue, 0, 0, 0] }
}
