// The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
import Addresses

/// One's-complement arithmetic over 16-bit network-order words.
///
/// A "sum" here is the folded one's-complement sum (never complemented); a
/// "checksum" is its complement, the value stored in a header.
public enum InternetChecksum {
    /// The folded one's-complement sum of `bytes` (an odd last byte is padded with zero)
    /// plus `initial`, a partial sum in network-order word values (e.g. a pseudo-header).
    public static func sum(_ bytes: UnsafeRawBufferPointer, initial: UInt32 = 0) -> UInt16 {
        // Summing native-order words and swapping once at the end gives the same result
        // as summing network-order words (RFC 1071, "byte order independence").
        var acc: UInt64 = 0
        var i = 0
        let wideEnd = bytes.count & ~3
        while i < wideEnd {
            acc &+= UInt64(bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self))
            i += 4
        }
        if bytes.count - i >= 2 {
            acc &+= UInt64(bytes.loadUnaligned(fromByteOffset: i, as: UInt16.self))
            i += 2
        }
        if i < bytes.count {
            // The lone byte is the high half of a network word: in memory order it sits first.
            acc &+= UInt64(UInt16(bigEndian: UInt16(bytes[i]) << 8))
        }
        let networkOrder = UInt16(bigEndian: fold(acc))
        return fold(UInt64(networkOrder) + UInt64(initial))
    }

    /// The checksum to store for `bytes`, whose checksum field must read as zero.
    public static func checksum(_ bytes: UnsafeRawBufferPointer, initial: UInt32 = 0) -> UInt16 {
        ~sum(bytes, initial: initial)
    }

    /// Folds a wide one's-complement accumulator to 16 bits with end-around carries.
    @inline(__always)
    public static func fold(_ accumulator: UInt64) -> UInt16 {
        var s = accumulator
        while s > 0xffff { s = (s & 0xffff) + (s >> 16) }
        return UInt16(s)
    }

    /// RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'): the checksum after one covered
    /// 16-bit word changed from `old` to `new`.
    @inline(__always)
    public static func updated(_ checksum: UInt16, old: UInt16, new: UInt16) -> UInt16 {
        ~fold(UInt64(~checksum) + UInt64(~old) + UInt64(new))
    }

    /// The checksum after a covered 32-bit value (two words) changed.
    @inline(__always)
    public static func updated(_ checksum: UInt16, old: UInt32, new: UInt32) -> UInt16 {
        let acc = UInt64(~checksum)
            + UInt64(~UInt16(truncatingIfNeeded: old >> 16)) + UInt64(~UInt16(truncatingIfNeeded: old))
            + UInt64(new >> 16) + UInt64(new & 0xffff)
        return ~fold(acc)
    }

    /// The checksum after a covered IPv4 address changed.
    @inline(__always)
    public static func updated(_ checksum: UInt16, old: IPv4Address, new: IPv4Address) -> UInt16 {
        updated(checksum, old: old.value, new: new.value)
    }

    /// The checksum after a covered IPv6 address (eight words) changed.
    @inline(__always)
    public static func updated(_ checksum: UInt16, old: IPv6Address, new: IPv6Address) -> UInt16 {
        var acc = UInt64(~checksum)
        acc += wordSum(~old.high) + wordSum(~old.low) + wordSum(new.high) + wordSum(new.low)
        return ~fold(acc)
    }

    /// The checksum after a covered address of either family changed; nil if the families differ.
    @inline(__always)
    public static func updated(_ checksum: UInt16, old: IPAddress, new: IPAddress) -> UInt16? {
        switch (old, new) {
        case (.v4(let o), .v4(let n)): return updated(checksum, old: o, new: n)
        case (.v6(let o), .v6(let n)): return updated(checksum, old: o, new: n)
        default: return nil
        }
    }

    /// Sum of the four 16-bit words of a 64-bit value (unfolded).
    @inline(__always)
    static func wordSum(_ v: UInt64) -> UInt64 {
        (v >> 48) + ((v >> 32) & 0xffff) + ((v >> 16) & 0xffff) + (v & 0xffff)
    }

    /// Sum of the words of an address, for pseudo-headers (unfolded).
    @inline(__always)
    static func wordSum(_ address: IPv4Address) -> UInt64 {
        UInt64(address.value >> 16) + UInt64(address.value & 0xffff)
    }

    @inline(__always)
    static func wordSum(_ address: IPv6Address) -> UInt64 {
        wordSum(address.high) + wordSum(address.low)
    }
}
