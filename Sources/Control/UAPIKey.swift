// A 32-byte WireGuard key (private, public or preshared) as the control protocol carries
// it: hex on the wire. Control does not depend on the WireGuard module, so keys are plain
// bytes here; the tunnel converts. Keys are never printed: `description` is redacted and
// equality runs in constant time, because a private or preshared key may be inside.
public struct UAPIKey: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public static let byteCount = 32
    public static let hexLength = byteCount * 2
    public static let zero = UAPIKey(bytes: [UInt8](repeating: 0, count: byteCount))!

    /// The 32 bytes in memory order, in the value itself (no array per key: an answer
    /// has one or two per peer, 10,000 peers on a large server).
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// A copy of the 32 bytes.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// The 32 bytes, without a copy.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: words, body)
    }

    /// nil unless exactly 32 bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == UAPIKey.byteCount else { return nil }
        Swift.withUnsafeMutableBytes(of: &words) { $0.copyBytes(from: bytes) }
    }

    /// nil unless exactly 32 bytes.
    public init?(unsafeBytes raw: UnsafeRawBufferPointer) {
        guard raw.count == UAPIKey.byteCount else { return nil }
        Swift.withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: raw) }
    }

    /// Parses 64 hex digits (either case); nil for anything else.
    public init?<S: StringProtocol>(hex text: S) {
        self.init(hexDigits: Array(text.utf8))
    }

    /// Parses 64 hex digits given as bytes (the answer parser's view of a line).
    init?<C: RandomAccessCollection<UInt8>>(hexDigits utf8: C) {
        guard utf8.count == UAPIKey.hexLength else { return nil }
        var digit = utf8.startIndex
        let valid = Swift.withUnsafeMutableBytes(of: &words) { out -> Bool in
            for i in 0..<UAPIKey.byteCount {
                guard let high = UAPIKey.nibble(utf8[digit]), let low = UAPIKey.nibble(utf8[utf8.index(after: digit)]) else {
                    return false
                }
                out[i] = high << 4 | low
                digit = utf8.index(digit, offsetBy: 2)
            }
            return true
        }
        guard valid else { return nil }
    }

    /// Lowercase hex, as the protocol writes keys.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(UAPIKey.hexLength)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// An all-zero key means "no key" (and, in a set request, "remove the key").
    public var isZero: Bool { words.0 | words.1 | words.2 | words.3 == 0 }

    /// In constant time: a private or preshared key may be inside.
    public static func == (l: UAPIKey, r: UAPIKey) -> Bool {
        let a = l.words, b = r.words
        return (a.0 ^ b.0) | (a.1 ^ b.1) | (a.2 ^ b.2) | (a.3 ^ b.3) == 0
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    public var description: String { "UAPIKey(redacted)" }
    public var debugDescription: String { description }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
