// Packets that wait for a session: while a handshake is under way, outbound packets are
// kept (up to a bound, oldest dropped first, as the kernel does) and sent once keys exist.
// Copies are made only here, when there is no session; the steady state never stages.
struct StagedPackets {
    /// The kernel's MAX_STAGED_PACKETS.
    static let capacity = 128

    private var packets: [[UInt8]] = []

    var isEmpty: Bool { packets.isEmpty }
    var count: Int { packets.count }

    /// Keeps a copy; returns false when the oldest had to be dropped to make room.
    mutating func append(_ packet: UnsafeRawBufferPointer) -> Bool {
        var dropped = false
        if packets.count >= StagedPackets.capacity {
            packets.removeFirst()
            dropped = true
        }
        packets.append(Array(packet))
        return !dropped
    }

    mutating func takeAll() -> [[UInt8]] {
        defer { packets.removeAll() }
        return packets
    }

    mutating func removeAll() { packets.removeAll() }
}
