// A 32-byte WireGuard key (private, public or preshared) as the control protocol carries
// it: hex on the wire. Control does not depend on the WireGuard module, so keys are plain
// bytes here; the tunnel converts. Keys are never printed: `description` is redacted and
// equality runs in constant time, because a private or preshared key may be inside.
public struct UAPIKey: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public static let byteCount = 32
    public static let hexLength = byteCount * 2
    public static let zero = UAPIKey(uncheckedBytes: [UInt8](repeating: 0, count: byteCount))

    public let bytes: [UInt8]

    /// nil unless exactly 32 bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == UAPIKey.byteCount else { return nil }
        self.bytes = bytes
    }

    /// Parses 64 hex digits (either case); nil for anything else.
    public init?<S: StringProtocol>(hex text: S) {
        self.init(hexDigits: Array(text.utf8))
    }

    /// Parses 64 hex digits given as bytes (the answer parser's view of a line).
    init?<C: RandomAccessCollection<UInt8>>(hexDigits utf8: C) {
        guard utf8.count == UAPIKey.hexLength else { return nil }
        var out = [UInt8](repeating: 0, count: UAPIKey.byteCount)
        var digit = utf8.startIndex
        for i in 0..<UAPIKey.byteCount {
            guard let high = UAPIKey.nibble(utf8[digit]), let low = UAPIKey.nibble(utf8[utf8.index(after: digit)]) else {
                return nil
            }
            out[i] = high << 4 | low
            digit = utf8.index(digit, offsetBy: 2)
        }
        bytes = out
    }

    private init(uncheckedBytes: [UInt8]) { bytes = uncheckedBytes }

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
    public var isZero: Bool {
        var acc: UInt8 = 0
        for b in bytes { acc |= b }
        return acc == 0
    }

    public static func == (l: UAPIKey, r: UAPIKey) -> Bool {
        guard l.bytes.count == r.bytes.count else { return false }
        var acc: UInt8 = 0
        for i in 0..<l.bytes.count { acc |= l.bytes[i] ^ r.bytes[i] }
        return acc == 0
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }

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
