// An answer's bytes as the client reads them off the socket: one malloc'd region that
// grows by realloc and is parsed where it lies. A 10,000-peer answer is megabytes; read
// into a growing array, it was copied at every doubling and then again chunk by chunk,
// an eighth of `tunnel status`. glibc grows a region that large by remapping its pages,
// without a copy.
#if canImport(Glibc)
import Glibc
#endif

final class UAPIAnswerBytes {
    private(set) var count = 0
    private var capacity: Int
    private var base: UnsafeMutableRawPointer

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        base = malloc(self.capacity)!
    }

    deinit { free(base) }

    /// Room for at least `bytes` more at the end, as a buffer to read into; `commit` then
    /// counts what was read.
    func spareRoom(atLeast bytes: Int) -> UnsafeMutableRawBufferPointer {
        if capacity - count < bytes {
            capacity = max(capacity * 2, count + bytes)
            base = realloc(base, capacity)!
        }
        return UnsafeMutableRawBufferPointer(start: base + count, count: capacity - count)
    }

    func commit(_ bytes: Int) { count += bytes }

    /// Drops the last `bytes` (the terminating empty line).
    func removeLast(_ bytes: Int) { count -= min(bytes, count) }

    /// An answer ends with an empty line: "\n\n" at its end (a lone "\n" cannot start one).
    var endsAnswer: Bool {
        count >= 2 && base.load(fromByteOffset: count - 1, as: UInt8.self) == UInt8(ascii: "\n")
            && base.load(fromByteOffset: count - 2, as: UInt8.self) == UInt8(ascii: "\n")
    }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    var text: String { withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }
}
