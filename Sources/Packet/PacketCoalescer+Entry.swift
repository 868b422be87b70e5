// One group in PacketCoalescer: a single packet in the caller's memory, or a super-packet
// being built in one of the coalescer's buffers.

extension PacketCoalescer {
    struct Entry {
        /// The group's bytes so far: the caller's packet, or the buffer's filled prefix.
        var packet: UnsafeRawBufferPointer
        /// The first member's layout; nil for packets that are not TCP segments.
        let segment: Segment?
        /// Set once a second member joined.
        var buffer: UnsafeMutableRawBufferPointer?
        var length: Int
        var members = 1
        /// The sequence number the next member must carry.
        var nextSequence: UInt32
        /// Whether another member may still join.
        var isOpen: Bool

        static let unused = Entry(packet: UnsafeRawBufferPointer(start: nil, count: 0), segment: nil)

        init(packet: UnsafeRawBufferPointer, segment: Segment?) {
            self.packet = packet
            self.segment = segment
            length = packet.count
            nextSequence = (segment?.sequence ?? 0) &+ UInt32(truncatingIfNeeded: segment?.payloadLength ?? 0)
            isOpen = segment.map { $0.isMergeable && !$0.pushes } ?? false
        }

        /// Copies the first member into `buffer`, where the others are appended.
        mutating func moveIntoBuffer(_ buffer: UnsafeMutableRawBufferPointer) {
            buffer.slice(0..<length).copyMemory(from: packet)
            self.buffer = buffer
            packet = UnsafeRawBufferPointer(buffer.slice(0..<length))
        }

        /// Appends a member's payload; its PSH, the stream's last word so far, is kept.
        mutating func append(payload: UnsafeRawBufferPointer, of member: Segment, closing: Bool) {
            guard let buffer, let head = segment else { preconditionFailure("members join buffered groups") }
            buffer.slice(length..<(length + payload.count)).copyMemory(from: payload)
            length += payload.count
            packet = UnsafeRawBufferPointer(buffer.slice(0..<length))
            nextSequence &+= UInt32(truncatingIfNeeded: payload.count)
            members += 1
            if member.pushes { buffer[head.transportOffset + TCPHeader.flagsOffset] |= Segment.pushFlag }
            if closing { isOpen = false }
        }
    }
}
