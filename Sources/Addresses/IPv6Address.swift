#if canImport(Glibc)
import Glibc
#endif

/// An IPv6 address as two host-order 64-bit halves, so masks and comparisons are integer math.
public struct IPv6Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let byteCount = 16
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Parses RFC 5952 / RFC 4291 text ("2001:db8::1"); nil for anything else.
    public init?(_ text: String) {
        var addr = in6_addr()
        guard inet_pton(AF_INET6, text, &addr) == 1 else { return nil }
        self = withUnsafeBytes(of: &addr) { IPv6Address(networkBytes: $0) }
    }

    /// Reads sixteen network-order bytes.
    public init(networkBytes p: UnsafeRawBufferPointer) {
        precondition(p.count >= 16)
        var h: UInt64 = 0
        var l: UInt64 = 0
        for i in 0..<8 { h = h << 8 | UInt64(p[i]) }
        for i in 8..<16 { l = l << 8 | UInt64(p[i]) }
        high = h
        low = l
    }

    public init(bytes: [UInt8]) {
        self = bytes.withUnsafeBytes { IPv6Address(networkBytes: $0) }
    }

    public var bytes: [UInt8] {
        (0..<16).map { i in
            let word = i < 8 ? high : low
            return UInt8(truncatingIfNeeded: word >> (56 - 8 * UInt64(i % 8)))
        }
    }

    public var description: String {
        var addr = in6_addr()
        let b = bytes
        withUnsafeMutableBytes(of: &addr) { raw in
            for i in 0..<16 { raw[i] = b[i] }
        }
        var out = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &addr, &out, socklen_t(out.count)) != nil else { return "?" }
        return String(cString: out)
    }

    public static func < (l: IPv6Address, r: IPv6Address) -> Bool {
        (l.high, l.low) < (r.high, r.low)
    }
}
