// The little the engine needs to know about the IP packets it carries: family, the
// real length inside padded plaintext, and where source and destination sit. (The
// Packet module does full parsing; the protocol engine needs only this much.)
enum InnerPacket {
    static let ipv4HeaderLength = 20
    static let ipv6HeaderLength = 40
    /// The longest IPv4 or (non-jumbo) IPv6 packet: what the device's scratch buffer holds.
    static let maximumLength = 65535

    /// The packet's own length from its header, or nil if the header is not a plausible
    /// IPv4/IPv6 header within `available` bytes.
    @inline(__always)
    static func length(_ p: UnsafeRawBufferPointer, available: Int) -> Int? {
        guard available >= 1 else { return nil }
        switch p[0] >> 4 {
        case 4:
            guard available >= ipv4HeaderLength else { return nil }
            let total = Int(p[2]) << 8 | Int(p[3])
            let headerLength = Int(p[0] & 0x0f) * 4
            guard headerLength >= ipv4HeaderLength, total >= headerLength, total <= available else { return nil }
            return total
        case 6:
            guard available >= ipv6HeaderLength else { return nil }
            let total = ipv6HeaderLength + (Int(p[4]) << 8 | Int(p[5]))
            guard total <= available else { return nil }
            return total
        default:
            return nil
        }
    }

    /// Source (or destination) address offset for the packet's family.
    @inline(__always)
    static func addressOffset(_ p: UnsafeRawBufferPointer, source: Bool) -> (isIPv4: Bool, offset: Int) {
        p[0] >> 4 == 4 ? (true, source ? 12 : 16) : (false, source ? 8 : 24)
    }
}
