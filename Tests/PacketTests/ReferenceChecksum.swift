// An independent, deliberately naive checksum reference for the tests: byte arrays,
// big-endian words, explicit pseudo-headers. The module's results are compared to it.
@testable import Packet

enum ReferenceChecksum {
    static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var i = 0
        while i < bytes.count {
            let high = UInt32(bytes[i]) << 8
            let low = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
            sum += high | low
            while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
            i += 2
        }
        return ~UInt16(sum)
    }

    static func ipv4Header(_ packet: [UInt8]) -> UInt16 {
        let headerLength = Int(packet[0] & 0x0f) * 4
        var header = Array(packet[0..<headerLength])
        header[10] = 0
        header[11] = 0
        return checksum(header)
    }

    static func checksumFieldOffset(_ proto: UInt8) -> Int? {
        switch proto {
        case 6: return 16
        case 17: return 6
        case 1, 58: return 2
        default: return nil
        }
    }

    /// The transport checksum the segment at `offset` should carry (UDP's zero sent as ones).
    static func transport(_ packet: [UInt8], version: IPVersion, offset: Int, proto: UInt8) -> UInt16? {
        guard let field = checksumFieldOffset(proto) else { return nil }
        var segment = Array(packet[offset...])
        segment[field] = 0
        segment[field + 1] = 0
        let length = segment.count
        var pseudo: [UInt8] = []
        switch version {
        case .v4:
            if proto != 1 {
                pseudo = Array(packet[12..<20]) + [0, proto, UInt8(length >> 8), UInt8(length & 0xff)]
            }
        case .v6:
            pseudo = Array(packet[8..<40])
            pseudo += [UInt8(length >> 24), UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff), UInt8(length & 0xff)]
            pseudo += [0, 0, 0, proto]
        }
        let value = checksum(pseudo + segment)
        return proto == 17 && value == 0 ? 0xffff : value
    }

    static func read16(_ packet: [UInt8], _ at: Int) -> UInt16 {
        UInt16(packet[at]) << 8 | UInt16(packet[at + 1])
    }

    static func write16(_ packet: inout [UInt8], _ at: Int, _ value: UInt16) {
        packet[at] = UInt8(value >> 8)
        packet[at + 1] = UInt8(value & 0xff)
    }
}
