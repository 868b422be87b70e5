// Builds random but valid IPv4/IPv6 packets (TCP, UDP, ICMP, ICMPv6, opaque) with every
// checksum filled in by the naive reference, for the randomized tests.
@testable import Packet

/// A built packet and what the builder knows about its layout.
struct BuiltPacket {
    var bytes: [UInt8]
    var version: IPVersion
    var transportOffset: Int
    var transportProtocol: UInt8
    /// UDP over IPv4 sent with checksum zero ("none").
    var udpChecksumDisabled = false

    var transportChecksumField: Int? {
        ReferenceChecksum.checksumFieldOffset(transportProtocol).map { transportOffset + $0 }
    }

    /// Stores the reference checksums in the packet.
    mutating func fillChecksums() {
        if version == .v4 {
            ReferenceChecksum.write16(&bytes, 10, ReferenceChecksum.ipv4Header(bytes))
        }
        guard let field = transportChecksumField else { return }
        if udpChecksumDisabled {
            ReferenceChecksum.write16(&bytes, field, 0)
        } else if let value = ReferenceChecksum.transport(bytes, version: version, offset: transportOffset,
                                                           proto: transportProtocol) {
            ReferenceChecksum.write16(&bytes, field, value)
        }
    }

    func withPacket<R>(_ body: (IPPacket) throws -> R) rethrows -> R? {
        var copy = bytes
        return try copy.withUnsafeMutableBytes { raw -> R? in
            guard let packet = IPPacket(buffer: raw, length: raw.count) else { return nil }
            return try body(packet)
        }
    }
}

struct PacketFactory {
    static let opaqueProtocol: UInt8 = 47
    var rng: SeededGenerator

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    mutating func packet(version: IPVersion? = nil, transport: UInt8? = nil,
                         extensionHeaders: Bool = true) -> BuiltPacket {
        let v = version ?? (rng.chance(50) ? .v4 : .v6)
        let choices: [UInt8] = [IPProtocol.tcp, IPProtocol.udp, v == .v4 ? IPProtocol.icmpv4 : IPProtocol.icmpv6,
                                Self.opaqueProtocol]
        let proto = transport ?? choices[Int.random(in: 0..<choices.count, using: &rng)]
        var segment = transportSegment(proto: proto)
        var built: BuiltPacket
        switch v {
        case .v4: built = ipv4(proto: proto, segment: segment)
        case .v6: built = ipv6(proto: proto, segment: segment, extensionHeaders: extensionHeaders)
        }
        segment.removeAll()
        built.udpChecksumDisabled = v == .v4 && proto == IPProtocol.udp && rng.chance(20)
        built.fillChecksums()
        return built
    }

    /// A packet around a given transport segment, checksums filled in.
    mutating func packet(version: IPVersion, proto: UInt8, segment: [UInt8]) -> BuiltPacket {
        var built = version == .v4 ? ipv4(proto: proto, segment: segment)
                                   : ipv6(proto: proto, segment: segment, extensionHeaders: true)
        built.fillChecksums()
        return built
    }

    // MARK: - IP layer

    mutating func ipv4(proto: UInt8, segment: [UInt8]) -> BuiltPacket {
        let optionWords = rng.chance(30) ? Int.random(in: 1...3, using: &rng) : 0
        let headerLength = 20 + optionWords * 4
        var h = [UInt8](repeating: 0, count: headerLength)
        h[0] = 0x40 | UInt8(headerLength / 4)
        h[1] = rng.byte()
        let total = headerLength + segment.count
        ReferenceChecksum.write16(&h, 2, UInt16(total))
        h[4] = rng.byte(); h[5] = rng.byte()
        h[6] = rng.chance(50) ? 0x40 : 0
        h[8] = UInt8.random(in: 1...255, using: &rng)
        h[9] = proto
        for i in 12..<20 { h[i] = rng.byte() }
        for i in 20..<headerLength { h[i] = 1 }  // NOP options
        return BuiltPacket(bytes: h + segment, version: .v4, transportOffset: headerLength, transportProtocol: proto)
    }

    mutating func ipv6(proto: UInt8, segment: [UInt8], extensionHeaders: Bool) -> BuiltPacket {
        var chain: [(type: UInt8, body: [UInt8])] = []
        if extensionHeaders {
            if rng.chance(30) { chain.append((IPProtocol.hopByHop, extensionBody())) }
            for _ in 0..<Int.random(in: 0...2, using: &rng) {
                if rng.chance(50) {
                    chain.append((IPProtocol.ipv6DestinationOptions, extensionBody()))
                } else {
                    var body = extensionBody()
                    body[0] = 4      // routing type
                    body[1] = 0      // segments left: the header destination is the final one
                    chain.append((IPProtocol.ipv6Routing, body))
                }
            }
        }
        var extensions: [UInt8] = []
        for (i, ext) in chain.enumerated() {
            let next = i + 1 < chain.count ? chain[i + 1].type : proto
            extensions += [next, UInt8(ext.body.count + 2) / 8 - 1] + ext.body
        }
        var h = [UInt8](repeating: 0, count: 40)
        h[0] = 0x60 | (rng.byte() & 0x0f)
        h[1] = rng.byte(); h[2] = rng.byte(); h[3] = rng.byte()
        ReferenceChecksum.write16(&h, 4, UInt16(extensions.count + segment.count))
        h[6] = chain.first?.type ?? proto
        h[7] = UInt8.random(in: 1...255, using: &rng)
        for i in 8..<40 { h[i] = rng.byte() }
        return BuiltPacket(bytes: h + extensions + segment, version: .v6,
                           transportOffset: 40 + extensions.count, transportProtocol: proto)
    }

    /// An extension header body (after next-header and length): 6, 14 or 22 Pad bytes.
    mutating func extensionBody() -> [UInt8] {
        [UInt8](repeating: 0, count: 6 + 8 * Int.random(in: 0...2, using: &rng))
    }

    // MARK: - Transport layer

    mutating func transportSegment(proto: UInt8) -> [UInt8] {
        let payload = rng.bytes(Int.random(in: 0...120, using: &rng))
        switch proto {
        case IPProtocol.tcp: return tcp(payload: payload)
        case IPProtocol.udp: return udp(payload: payload)
        case IPProtocol.icmpv4: return icmp(types: [8, 0, 3, 11, 12, 13], payload: payload)
        case IPProtocol.icmpv6: return icmp(types: [128, 129, 1, 2, 3, 135], payload: payload)
        default: return payload
        }
    }

    mutating func tcp(payload: [UInt8], options explicitOptions: [UInt8]? = nil, flags: UInt8? = nil) -> [UInt8] {
        var options = explicitOptions ?? randomTCPOptions()
        while options.count % 4 != 0 { options.append(0) }
        var h = rng.bytes(20)
        h[12] = UInt8((20 + options.count) / 4) << 4
        h[13] = flags ?? (rng.chance(30) ? 0x02 | (rng.chance(50) ? 0x10 : 0) : rng.byte() & 0x3d)
        return h + options + payload
    }

    mutating func randomTCPOptions() -> [UInt8] {
        var options: [UInt8] = []
        for _ in 0..<Int.random(in: 0...4, using: &rng) {
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: options += [2, 4, rng.byte(), rng.byte()]          // MSS
            case 1: options += [1]                                     // NOP
            case 2: options += [3, 3, rng.byte() & 0x0f]               // window scale
            case 3: options += [4, 2]                                  // SACK permitted
            default: options += [8, 10] + rng.bytes(8)                // timestamps
            }
        }
        return options
    }

    mutating func udp(payload: [UInt8]) -> [UInt8] {
        var h = rng.bytes(8)
        ReferenceChecksum.write16(&h, 4, UInt16(8 + payload.count))
        return h + payload
    }

    mutating func icmp(types: [UInt8], payload: [UInt8]) -> [UInt8] {
        var h = rng.bytes(8)
        h[0] = types[Int.random(in: 0..<types.count, using: &rng)]
        return h + payload
    }
}
