// Packet module: zero-copy views over IP packets in a caller's buffer, the Internet
// checksum, and in-place rewriting with incremental checksum updates.
//
// Network-order field access. Callers check bounds once when a view is built;
// these helpers then read at fixed offsets inside those checked bounds.
import Addresses

extension UnsafeMutableRawBufferPointer {
    @inline(__always)
    func be16(at offset: Int) -> UInt16 {
        UInt16(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inline(__always)
    func be32(at offset: Int) -> UInt32 {
        UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    func be64(at offset: Int) -> UInt64 {
        UInt64(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inline(__always)
    func setBE16(_ value: UInt16, at offset: Int) {
        storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt16.self)
    }

    @inline(__always)
    func setBE32(_ value: UInt32, at offset: Int) {
        storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt32.self)
    }

    @inline(__always)
    func setBE64(_ value: UInt64, at offset: Int) {
        storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt64.self)
    }

    @inline(__always)
    func ipv4Address(at offset: Int) -> IPv4Address {
        IPv4Address(be32(at: offset))
    }

    @inline(__always)
    func setIPv4Address(_ address: IPv4Address, at offset: Int) {
        setBE32(address.value, at: offset)
    }

    @inline(__always)
    func ipv6Address(at offset: Int) -> IPv6Address {
        IPv6Address(high: be64(at: offset), low: be64(at: offset + 8))
    }

    @inline(__always)
    func setIPv6Address(_ address: IPv6Address, at offset: Int) {
        setBE64(address.high, at: offset)
        setBE64(address.low, at: offset + 8)
    }

    /// A sub-view sharing this memory, without copying.
    @inline(__always)
    func slice(_ range: Range<Int>) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: self[range])
    }
}
