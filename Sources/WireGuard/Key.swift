// A 32-byte WireGuard key (private, public or preshared) and its base64 text form,
// the same form `wg genkey`, `wg pubkey` and wg-quick files use.
import Foundation

public struct Key: Hashable, Sendable, CustomStringConvertible, CustomReflectable {
    public static let byteCount = 32
    /// Base64 of 32 bytes is always 44 characters ending in one '='.
    public static let base64Length = 44

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case wrongLength(Int)
        case notBase64

        public var description: String {
            switch self {
            case .wrongLength(let n): return "a key is \(Key.base64Length) base64 characters (32 bytes), got \(n) characters"
            case .notBase64: return "a key must be base64 (as printed by `wg genkey` or `tunnel genkey`)"
            }
        }
    }

    /// The 32 bytes in memory order, held in the value itself: a server looks keys up
    /// in dictionaries tens of thousands of times per `tunnel status`, and a key kept in
    /// an array cost a reference count on every copy and a bounds check on every byte.
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    public init(bytes: [UInt8]) {
        precondition(bytes.count == Key.byteCount, "a key is 32 bytes")
        Swift.withUnsafeMutableBytes(of: &words) { $0.copyBytes(from: bytes) }
    }

    /// A copy of the 32 bytes.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// The 32 bytes, without a copy.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: words, body)
    }

    public init(base64 text: String) throws {
        // Trimmed by byte: Foundation's trimmingCharacters goes through NSString, and was
        // a sixth of a 10,000-peer server's start.
        let trimmed = Key.trimmingASCIISpace(text)
        guard trimmed.utf8.count == Key.base64Length else { throw ParseError.wrongLength(trimmed.count) }
        guard let data = Data(base64Encoded: String(trimmed)), data.count == Key.byteCount else {
            throw ParseError.notBase64
        }
        data.withUnsafeBytes { raw in Swift.withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: raw) } }
    }

    private static func trimmingASCIISpace(_ text: String) -> Substring {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0d) }
        let utf8 = text.utf8
        guard let first = utf8.firstIndex(where: { !isSpace($0) }), let last = utf8.lastIndex(where: { !isSpace($0) }) else {
            return text[text.endIndex...]
        }
        return Substring(utf8[first...last])
    }

    public var base64: String { Data(bytes).base64EncodedString() }

    /// All-zero keys mean "no key" in the UAPI and in wg-quick files.
    public var isZero: Bool { words.0 | words.1 | words.2 | words.3 == 0 }

    /// Keys are compared in constant time: a key may be secret.
    public static func == (lhs: Key, rhs: Key) -> Bool {
        let l = lhs.words, r = rhs.words
        return (l.0 ^ r.0) | (l.1 ^ r.1) | (l.2 ^ r.2) | (l.3 ^ r.3) == 0
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    /// Never the key itself: descriptions end up in logs.
    public var description: String { "Key(…)" }

    /// No children either, so `dump` and debuggers (which reflect stored properties)
    /// show no bytes.
    public var customMirror: Mirror { Mirror(self, children: EmptyCollection<Mirror.Child>()) }

    /// Overwrites the bytes with zeros (for retiring secrets).
    public mutating func wipe() { words = (0, 0, 0, 0) }
}
