// Preallocated recvmmsg state: datagram buffers, source addresses and lengths,
// allocated once and reused for every batch so the data path never allocates.
import CShims
#if canImport(Glibc)
import Glibc
#endif

public final class ReceiveBatch {
    public let capacity: Int
    public let bufferSize: Int
    let addresses: UnsafeMutablePointer<sockaddr_in6>
    let lengths: UnsafeMutablePointer<UInt32>
    let truncated: UnsafeMutablePointer<UInt8>
    let segmentSizes: UnsafeMutablePointer<UInt16>
    let storage: UnsafeMutableRawPointer

    public init(capacity: Int = 32, bufferSize: Int = 65536) {
        self.capacity = min(capacity, Int(TUNNEL_MAX_BATCH))
        self.bufferSize = bufferSize
        addresses = .allocate(capacity: self.capacity)
        lengths = .allocate(capacity: self.capacity)
        truncated = .allocate(capacity: self.capacity)
        segmentSizes = .allocate(capacity: self.capacity)
        storage = .allocate(byteCount: self.capacity * bufferSize, alignment: 16)
    }

    deinit {
        addresses.deallocate()
        lengths.deallocate()
        truncated.deallocate()
        segmentSizes.deallocate()
        storage.deallocate()
    }

    /// The whole buffer of datagram `i` (its received bytes are `0..<length(i)`), writable
    /// so the payload can be decrypted in place.
    @inline(__always)
    public func buffer(_ i: Int) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: storage + i * bufferSize, count: bufferSize)
    }

    @inline(__always)
    public func length(_ i: Int) -> Int { Int(lengths[i]) }

    /// True when the datagram did not fit its buffer; such datagrams are dropped.
    @inline(__always)
    public func wasTruncated(_ i: Int) -> Bool { truncated[i] != 0 }

    /// The size of each datagram the kernel coalesced (UDP GRO) into datagram `i`, which
    /// then holds several, the last possibly shorter; 0 when it is a single datagram.
    @inline(__always)
    public func segmentSize(_ i: Int) -> Int { Int(segmentSizes[i]) }

    @inline(__always)
    public func source(_ i: Int) -> SocketAddress { SocketAddress(storage: addresses[i]) }
}
