// Addresses module: IP addresses, prefixes and endpoints as plain values, shared by
// the packet views, the allowed-IPs trie, the config parser and netlink.
#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 address, held in host byte order so comparisons and masks are plain integer math.
public struct IPv4Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let byteCount = 4
    public var value: UInt32

    public init(_ value: UInt32) { self.value = value }

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Parses dotted-quad text ("192.0.2.1"); nil for anything else.
    public init?(_ text: String) {
        var addr = in_addr()
        guard inet_pton(AF_INET, text, &addr) == 1 else { return nil }
        value = UInt32(bigEndian: addr.s_addr)
    }

    /// Reads four network-order bytes.
    public init(networkBytes p: UnsafeRawBufferPointer) {
        precondition(p.count >= 4)
        value = UInt32(p[0]) << 24 | UInt32(p[1]) << 16 | UInt32(p[2]) << 8 | UInt32(p[3])
    }

    public var bytes: [UInt8] {
        [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16),
         UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    public var description: String {
        "\(value >> 24).\((value >> 16) & 0xff).\((value >> 8) & 0xff).\(value & 0xff)"
    }

    public static func < (l: IPv4Address, r: IPv4Address) -> Bool { l.value < r.value }
}
