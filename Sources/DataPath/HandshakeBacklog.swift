// Handshake messages waiting for the handshake queue, copied out of the receive batch so
// transport data never waits behind them. Bounded, like the kernel's queue of incoming
// handshakes: when it is full, more are dropped and counted, and its depth is what puts
// the device under load (cookies before Diffie-Hellman). A ring of fixed slots,
// allocated once.
//
// Ownership: the reactor's queue (the handshake queue targets it).
import Addresses
import WireGuard

final class HandshakeBacklog {
    /// Messages held at most (about 90 KB of slots).
    static let capacity = 512
    /// At this depth the device answers with cookies first, as the kernel does at an
    /// eighth of its queue.
    static let underLoadDepth = capacity / 8
    /// The longest handshake message, an initiation; anything longer is malformed.
    static let slotSize = HandshakeInitiation.length

    private let storage: UnsafeMutableRawBufferPointer
    private var lengths = [Int](repeating: 0, count: HandshakeBacklog.capacity)
    private var sources = [Endpoint](repeating: Endpoint(address: .v4(IPv4Address(0)), port: 0),
                                     count: HandshakeBacklog.capacity)
    private var head = 0
    private(set) var count = 0

    init() {
        storage = .allocate(byteCount: HandshakeBacklog.capacity * HandshakeBacklog.slotSize, alignment: 16)
    }

    deinit { storage.deallocate() }

    var isEmpty: Bool { count == 0 }
    var isUnderLoad: Bool { count >= HandshakeBacklog.underLoadDepth }

    /// Copies a message in; false if the backlog is full or the message cannot be a
    /// handshake message (too long).
    func push(_ message: UnsafeRawBufferPointer, from source: Endpoint) -> Bool {
        guard count < HandshakeBacklog.capacity, message.count <= HandshakeBacklog.slotSize else { return false }
        let index = (head + count) % HandshakeBacklog.capacity
        slot(index).copyMemory(from: message)
        lengths[index] = message.count
        sources[index] = source
        count += 1
        return true
    }

    /// Hands the oldest message to `body` (its bytes may be changed in place), then
    /// forgets it; false if there was none.
    func pop(_ body: (UnsafeMutableRawBufferPointer, Int, Endpoint) -> Void) -> Bool {
        guard count > 0 else { return false }
        let index = head
        head = (head + 1) % HandshakeBacklog.capacity
        count -= 1
        body(slot(index), lengths[index], sources[index])
        return true
    }

    private func slot(_ index: Int) -> UnsafeMutableRawBufferPointer {
        let start = index * HandshakeBacklog.slotSize
        return UnsafeMutableRawBufferPointer(rebasing: storage[start..<(start + HandshakeBacklog.slotSize)])
    }
}
