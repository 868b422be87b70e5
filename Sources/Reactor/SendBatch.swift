// Datagrams waiting to go out together in one sendmmsg call. Each slot is a whole packet
// buffer the caller fills and seals in place; `append` records where the finished
// datagram sits and where it goes. Allocated once, reused for every batch.
import CShims
#if canImport(Glibc)
import Glibc
#endif

public final class SendBatch {
    public let capacity: Int
    public let slotSize: Int
    private let storage: UnsafeMutableRawPointer
    private let starts: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    private let lengths: UnsafeMutablePointer<UInt32>
    private let addresses: UnsafeMutablePointer<sockaddr_in6>
    public private(set) var count = 0

    public init(capacity: Int = 32, slotSize: Int) {
        self.capacity = min(capacity, Int(TUNNEL_MAX_BATCH))
        self.slotSize = slotSize
        storage = .allocate(byteCount: self.capacity * slotSize, alignment: 16)
        starts = .allocate(capacity: self.capacity)
        lengths = .allocate(capacity: self.capacity)
        addresses = .allocate(capacity: self.capacity)
    }

    deinit {
        storage.deallocate()
        starts.deallocate()
        lengths.deallocate()
        addresses.deallocate()
    }

    public var isFull: Bool { count == capacity }

    /// The slot the next datagram should be built in.
    @inline(__always)
    public var nextSlot: UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: storage + count * slotSize, count: slotSize)
    }

    /// Whether `bytes` lie inside the next slot (so `append` may keep a reference to them).
    @inline(__always)
    public func isInNextSlot(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard count < capacity, let base = bytes.baseAddress else { return false }
        let slot = UnsafeRawPointer(storage + count * slotSize)
        return base >= slot && base + bytes.count <= slot + slotSize
    }

    /// Queues the datagram that was built in the next slot.
    @inline(__always)
    public func append(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress) {
        starts[count] = UnsafeMutableRawPointer(mutating: bytes.baseAddress)
        lengths[count] = UInt32(bytes.count)
        addresses[count] = address.storage
        count += 1
    }

    /// Sends everything queued; returns how many datagrams the kernel did not take.
    /// `segmentation` (1: use UDP GSO) is cleared when the kernel refuses GSO.
    @discardableResult
    public func flush(through fd: Int32, segmentation: inout Int32) -> Int {
        guard count > 0 else { return 0 }
        let sent = tunnel_send_batch(fd, starts, lengths, addresses, UInt32(count), &segmentation)
        let dropped = count - max(Int(sent), 0)
        count = 0
        return dropped
    }
}
