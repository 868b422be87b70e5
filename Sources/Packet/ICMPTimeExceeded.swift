// Building the ICMP "time exceeded in transit" a router sends when a packet's TTL (hop
// limit) runs out, quoting the start of that packet so the sender can match it. This is
// what lets traceroute and tracepath see the VPN server as a hop.
import Addresses

public enum ICMPTimeExceeded {
    static let ipv4HeaderLength = 20
    static let ipv6HeaderLength = 40
    /// RFC 792: the original header and 64 bits of its data.
    static let ipv4QuoteExtra = 8
    /// RFC 4443: as much as fits in the minimum IPv6 MTU.
    static let ipv6MinimumMTU = 1280
    static let replyTTL: UInt8 = 64

    /// Writes into `out` the error for `original`, sent from `source` to its sender.
    /// Returns the length written, or nil if `out` is too small or the families differ.
    public static func build(for original: IPPacket, from source: IPAddress,
                             into out: UnsafeMutableRawBufferPointer) -> Int? {
        switch (original.version, source) {
        case (.v4, .v4(let from)):
            let headerLength = original.transportOffset
            let quote = min(original.length, headerLength + ipv4QuoteExtra)
            let total = ipv4HeaderLength + ICMPv4Header.length + quote
            guard out.count >= total, case .v4(let to) = original.source else { return nil }
            writeIPv4Header(out, total: total, from: from, to: to)
            writeICMP(out, at: ipv4HeaderLength, type: ICMPv4Header.timeExceeded, quoting: original, count: quote)
            return finish(out, total)
        case (.v6, .v6(let from)):
            let quote = min(original.length, ipv6MinimumMTU - ipv6HeaderLength - ICMPv6Header.length)
            let total = ipv6HeaderLength + ICMPv6Header.length + quote
            guard out.count >= total, case .v6(let to) = original.source else { return nil }
            writeIPv6Header(out, payload: total - ipv6HeaderLength, from: from, to: to)
            writeICMP(out, at: ipv6HeaderLength, type: ICMPv6Header.timeExceeded, quoting: original, count: quote)
            return finish(out, total)
        default:
            return nil
        }
    }

    private static func writeIPv4Header(_ out: UnsafeMutableRawBufferPointer, total: Int, from: IPv4Address, to: IPv4Address) {
        for i in 0..<ipv4HeaderLength { out[i] = 0 }
        out[0] = 0x45
        out.setBE16(UInt16(total), at: 2)
        out[8] = replyTTL
        out[9] = IPProtocol.icmpv4
        out.setIPv4Address(from, at: IPv4Header.sourceOffset)
        out.setIPv4Address(to, at: IPv4Header.destinationOffset)
    }

    private static func writeIPv6Header(_ out: UnsafeMutableRawBufferPointer, payload: Int, from: IPv6Address, to: IPv6Address) {
        for i in 0..<ipv6HeaderLength { out[i] = 0 }
        out[0] = 0x60
        out.setBE16(UInt16(payload), at: 4)
        out[6] = IPProtocol.icmpv6
        out[7] = replyTTL
        out.setIPv6Address(from, at: IPv6Header.sourceOffset)
        out.setIPv6Address(to, at: IPv6Header.destinationOffset)
    }

    /// Type, code 0 ("TTL exceeded in transit"), four unused bytes, then the quote.
    private static func writeICMP(_ out: UnsafeMutableRawBufferPointer, at offset: Int, type: UInt8,
                                  quoting original: IPPacket, count: Int) {
        for i in offset..<(offset + ICMPv4Header.length) { out[i] = 0 }
        out[offset] = type
        let quoteStart = offset + ICMPv4Header.length
        UnsafeMutableRawBufferPointer(rebasing: out[quoteStart..<(quoteStart + count)])
            .copyMemory(from: UnsafeRawBufferPointer(rebasing: original.bytes[0..<count]))
    }

    private static func finish(_ out: UnsafeMutableRawBufferPointer, _ total: Int) -> Int? {
        guard let packet = IPPacket(buffer: out, length: total) else { return nil }
        packet.recomputeChecksums()
        return total
    }
}
