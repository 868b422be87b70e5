// Fuzz target: the packet views over hostile bytes, then the NAT in the direction the
// first byte picks, then the reply to what it forwarded (or, with the top bit, the
// offload segmenter and coalescer: OffloadFuzzer). One table lives across runs
// (with a four-port pool, so mappings, exhaustion and expiry are all reached).
// Checked: the NAT never makes a packet unparseable, and a packet whose checksums were
// right leaves with right ones; ICMP errors built about a packet are themselves valid.
import Addresses
import FuzzSupport
import NAT
import Packet

enum PacketNATFuzzer: FuzzTarget {
    /// Bits of the first input byte.
    struct Control {
        let raw: UInt8
        var inbound: Bool { raw & 0x01 != 0 }
        var client: ClientID { ClientID(UInt32((raw >> 1) & 0x03) + 1) }
        var fixChecksums: Bool { raw & 0x08 != 0 }
        var advanceClock: Bool { raw & 0x10 != 0 }
        var buildICMP: Bool { raw & 0x20 != 0 }
        var answer: Bool { raw & 0x40 != 0 }
        var offload: Bool { raw & 0x80 != 0 }
    }

    static let egress4 = IPv4Address("203.0.113.1")!
    static let egress6 = IPv6Address("2001:db8:ffff::1")!
    static let clockStep: UInt64 = 1_000_000
    /// Past every NAT timeout: mappings expire and garbage collection runs.
    static let longPause: UInt64 = 3_600 * 1_000_000_000
    static let maximumPacket = 65_535
    static let icmpBufferSize = 1_500
    static let table: NATTable = {
        let configuration = NATConfiguration(egressIPv4: egress4, egressIPv6: egress6, portRange: 61000...61003,
                                             icmpIdentifierRange: 61000...61003, maxMappingsPerClient: 3,
                                             tcpMSSClamp: 1380)
        guard let table = try? NATTable(configuration: configuration) else { preconditionFailure("NAT configuration refused") }
        return table
    }()
    nonisolated(unsafe) static var now: UInt64 = 1_000_000_000
    static let packetBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: maximumPacket, alignment: 16)
    static let icmpBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: icmpBufferSize, alignment: 16)

    static var seeds: [[UInt8]] {
        // Each packet both ways, with checksums fixed and the reply sent back.
        // And each as a TUN read without offload.
        let plainRead = [UInt8](repeating: 0, count: VirtioNetHeader.size)
        return SeedPackets.all.flatMap { (packet: [UInt8]) -> [[UInt8]] in
            let asRead: [UInt8] = [0x80] + plainRead + packet
            return [[0x48] + packet, [0x49] + packet, [0x6a] + packet, asRead]
        }
    }

    static func run(_ input: UnsafeRawBufferPointer) {
        guard let first = input.first, input.count - 1 <= maximumPacket else { return }
        let control = Control(raw: first)
        if control.offload {
            OffloadFuzzer.run(UnsafeRawBufferPointer(rebasing: input.dropFirst()))
            return
        }
        let length = input.count - 1
        packetBuffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: input.dropFirst()))
        now += control.advanceClock ? longPause : clockStep
        if control.advanceClock { table.collectGarbage(now: now) }

        guard let packet = try? IPPacket.parse(packetBuffer, length: length) else { return }
        readEveryField(packet)
        if control.fixChecksums { packet.recomputeChecksums() }
        if control.buildICMP { buildICMP(about: packet) }
        let wasValid = packet.hasValidChecksums

        let passed: Bool
        if control.inbound {
            if case .deliver = table.translateInbound(packet, now: now) { passed = true } else { passed = false }
        } else {
            passed = table.translateOutbound(packet, from: control.client, now: now) == .forward
        }
        guard passed else { return }
        check(packet, wasValid: wasValid, step: control.inbound ? "inbound" : "outbound")
        if control.answer && !control.inbound { answer(packet) }
    }

    /// The reply a remote host would send: endpoints swapped, echo requests answered.
    private static func answer(_ packet: IPPacket) {
        try? packet.turnIntoEchoReply()
        if packet.icmpv4?.isEcho != true && packet.icmpv6?.isEcho != true { packet.swapEndpoints() }
        let wasValid = packet.hasValidChecksums
        if case .deliver = table.translateInbound(packet, now: now) { check(packet, wasValid: wasValid, step: "reply") }
    }

    private static func check(_ packet: IPPacket, wasValid: Bool, step: String) {
        guard let again = IPPacket(buffer: packetBuffer, length: packet.length) else {
            preconditionFailure("\(step) translation left a packet that no longer parses")
        }
        readEveryField(again)
        precondition(!wasValid || again.hasValidChecksums, "\(step) translation broke the checksums")
    }

    private static func buildICMP(about packet: IPPacket) {
        let source: IPAddress = packet.version == .v4 ? .v4(egress4) : .v6(egress6)
        guard let length = ICMPTimeExceeded.build(for: packet, from: source, into: icmpBuffer) else { return }
        guard let error = IPPacket(buffer: icmpBuffer, length: length) else {
            preconditionFailure("a built time-exceeded message does not parse")
        }
        precondition(error.hasValidChecksums, "a built time-exceeded message has a wrong checksum")
        readEveryField(error)
    }

    /// Touches every accessor of the views, so reads past the bytes trap here.
    private static func readEveryField(_ packet: IPPacket) {
        var sink = 0
        func take<T: Hashable>(_ value: T?) { sink &+= value.hashValue }
        take(packet.source); take(packet.destination); take(packet.hopLimit)
        take(packet.sourcePort); take(packet.destinationPort); take(packet.echoIdentifier)
        take(packet.isFirstFragment); take(packet.fragmentIdentification); take(packet.transportLength)
        take(packet.computedTransportChecksum); take(packet.hasValidChecksums)
        if let v4 = packet.ipv4 { take(v4.checksum); take(v4.computedChecksum) }
        if let tcp = packet.tcp {
            take(tcp.sourcePort); take(tcp.destinationPort); take(tcp.sequenceNumber); take(tcp.acknowledgmentNumber)
            take(tcp.flags.rawValue); take(tcp.window); take(tcp.urgentPointer); take(tcp.checksum)
            take(tcp.options.count); take(tcp.payload.count); take(tcp.maximumSegmentSize)
        }
        if let udp = packet.udp { take(udp.sourcePort); take(udp.destinationPort); take(udp.length); take(udp.payload.count) }
        if let icmp = packet.icmpv4 { take(icmp.type); take(icmp.code); take(icmp.identifier); take(icmp.sequenceNumber) }
        if let icmp = packet.icmpv6 { take(icmp.type); take(icmp.code); take(icmp.identifier); take(icmp.sequenceNumber) }
        if let quoted = packet.quotedPacket {
            take(quoted.source); take(quoted.destination); take(quoted.transportBytesPresent)
            take(quoted.sourcePort); take(quoted.destinationPort); take(quoted.echoIdentifier)
        }
        if sink == 1 { print("") }  // keeps the reads from being optimised away
    }
}
