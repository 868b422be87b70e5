// Userspace GRO for TUN writes: what merges (in-order runs of one flow), what never does,
// the limits (65535 bytes, buffers, entries), and that segmenting a merged super-packet
// gives back the very packets that went in.
import XCTest
@testable import Packet

final class TCPCoalescerTests: XCTestCase {
    typealias B = OffloadPacketBuilder
    static let payloadSize = 1000

    struct Write: Equatable {
        var header: VirtioNetHeader
        var packet: [UInt8]
    }

    /// `count` in-order segments of one flow; `last` flags and size on the final one.
    func stream(_ version: IPVersion, count: Int, size: Int = payloadSize, lastSize: Int? = nil,
                lastFlags: TCPFlags = [.ack], port: UInt16 = 40000,
                edit: (Int, inout B.TCPFields, inout B.IPFields) -> Void = { _, _, _ in }) -> [[UInt8]] {
        var sequence = B.TCPFields().sequence
        return (0..<count).map { i in
            var tcp = B.TCPFields()
            var ip = B.IPFields()
            tcp.sourcePort = port
            tcp.sequence = sequence
            ip.identification = ip.identification &+ UInt16(i)
            let isLast = i == count - 1
            if isLast { tcp.flags = lastFlags }
            edit(i, &tcp, &ip)
            let length = isLast ? (lastSize ?? size) : size
            sequence &+= UInt32(length)
            return B.tcp(version, payload: B.pattern(length, seed: i + Int(port)), tcp: tcp, ip: ip)
        }
    }

    private func coalesce(_ packets: [[UInt8]], into coalescer: PacketCoalescer = PacketCoalescer(),
                          file: StaticString = #filePath, line: UInt = #line) -> [Write] {
        let pinned = PinnedPackets()
        for packet in packets {
            XCTAssertTrue(coalescer.add(pinned.pin(packet)), file: file, line: line)
        }
        return flush(coalescer)
    }

    private func flush(_ coalescer: PacketCoalescer) -> [Write] {
        var writes: [Write] = []
        coalescer.flush { header, packet in
            XCTAssertEqual(header.count, VirtioNetHeader.size)
            writes.append(Write(header: VirtioNetHeader(reading: header)!, packet: Array(packet)))
        }
        XCTAssertEqual(coalescer.pendingCount, 0)
        return writes
    }

    private func singles(_ packets: [[UInt8]]) -> [Write] {
        packets.map { Write(header: .none, packet: $0) }
    }

    // MARK: - Merging

    func testInOrderRunMergesIntoOneSuperPacketIPv4() throws {
        try checkInOrderRun(.v4)
    }

    func testInOrderRunMergesIntoOneSuperPacketIPv6() throws {
        try checkInOrderRun(.v6)
    }

    private func checkInOrderRun(_ version: IPVersion) throws {
        let members = stream(version, count: 6, lastSize: 400, lastFlags: [.ack, .psh])
        let coalescer = PacketCoalescer()
        let writes = coalesce(members, into: coalescer)
        XCTAssertEqual(writes.count, 1)
        XCTAssertEqual(coalescer.coalescedPackets, 5)
        try assertSuperPacket(writes[0], of: members)
    }

    func testMergedPacketWithoutPushKeepsFlags() throws {
        let members = stream(.v4, count: 3)
        let writes = coalesce(members)
        XCTAssertEqual(writes.count, 1)
        try assertSuperPacket(writes[0], of: members)
    }

    func testOutOfOrderSegmentsStartNewGroups() {
        let run = stream(.v4, count: 3)
        let reordered = [run[0], run[2], run[1]]
        XCTAssertEqual(coalesce(reordered), singles(reordered))
    }

    func testInterleavedFlowsMergeEachAndKeepCreationOrder() throws {
        let a = stream(.v4, count: 3, port: 40000)
        let b = stream(.v4, count: 2, port: 40001)
        let udp = B.udp(.v4, payload: B.pattern(300))
        let writes = coalesce([a[0], b[0], udp, a[1], b[1], a[2]])
        XCTAssertEqual(writes.count, 3)
        guard writes.count == 3 else { return }
        try assertSuperPacket(writes[0], of: a)
        try assertSuperPacket(writes[1], of: b)
        XCTAssertEqual(writes[2], Write(header: .none, packet: udp))
    }

    func testAFragmentBetweenTheSameAddressesKeepsItsPlaceInTheFlow() throws {
        let a = stream(.v4, count: 3)
        // A first fragment of another segment (more-fragments set): no ports to match.
        var fragment = stream(.v4, count: 1, port: 40000) { _, tcp, _ in tcp.sequence &+= 100_000 }[0]
        fragment[IPv4Header.flagsAndFragmentOffset] |= UInt8(IPv4Header.moreFragmentsBit >> 8)
        let other = stream(.v6, count: 2)
        let writes = coalesce([a[0], other[0], fragment, a[1], other[1], a[2]])
        XCTAssertEqual(writes.count, 4, "a[0] alone, the other addresses' pair merged, the fragment, a[1] with a[2]")
        guard writes.count == 4 else { return }
        XCTAssertEqual(writes[0], Write(header: .none, packet: a[0]), "closed by the fragment")
        try assertSuperPacket(writes[1], of: other)
        XCTAssertEqual(writes[2], Write(header: .none, packet: fragment))
        try assertSuperPacket(writes[3], of: Array(a[1...2]))
    }

    func testSameFlowOtherVersionIsAnotherFlow() {
        let v4 = stream(.v4, count: 2)
        let v6 = stream(.v6, count: 2)
        let writes = coalesce([v4[0], v6[1]])
        XCTAssertEqual(writes, singles([v4[0], v6[1]]))
    }

    func testPushClosesTheGroup() throws {
        let run = stream(.v6, count: 3) { i, tcp, _ in if i == 1 { tcp.flags = [.ack, .psh] } }
        let writes = coalesce(run)
        XCTAssertEqual(writes.count, 2)
        guard writes.count == 2 else { return }
        try assertSuperPacket(writes[0], of: Array(run[0...1]))
        XCTAssertEqual(writes[1], Write(header: .none, packet: run[2]))
    }

    func testControlFlagsAreNeverMerged() {
        let flags: [TCPFlags] = [.syn, .fin, .rst, .urg, .cwr, .ece]
        for flag in flags {
            let middle = stream(.v4, count: 3) { i, tcp, _ in if i == 1 { tcp.flags.insert(flag) } }
            XCTAssertEqual(coalesce(middle), singles(middle), "flag \(flag.rawValue) in the middle")
            let first = stream(.v4, count: 2) { i, tcp, _ in if i == 0 { tcp.flags.insert(flag) } }
            XCTAssertEqual(coalesce(first), singles(first), "flag \(flag.rawValue) first")
        }
    }

    func testSegmentsWithoutPayloadAreNotMerged() {
        let acks = stream(.v4, count: 3, size: 0)
        XCTAssertEqual(coalesce(acks), singles(acks))
    }

    func testDifferingHeadersAreNotMerged() {
        typealias Edit = (inout B.TCPFields, inout B.IPFields) -> Void
        let edits: [(String, IPVersion, Edit)] = [
            ("options", .v4, { tcp, _ in tcp.options = B.timestampOptions(8) }),
            ("option length", .v4, { tcp, _ in tcp.options = [] }),
            ("ack", .v4, { tcp, _ in tcp.acknowledgment += 1 }),
            ("window", .v4, { tcp, _ in tcp.window += 1 }),
            ("TTL", .v4, { _, ip in ip.ttl -= 1 }),
            ("TOS", .v4, { _, ip in ip.trafficClass = 4 }),
            ("DF", .v4, { _, ip in ip.dontFragment = false }),
            ("hop limit", .v6, { _, ip in ip.ttl -= 1 }),
            ("traffic class", .v6, { _, ip in ip.trafficClass = 4 }),
            ("flow label", .v6, { _, ip in ip.flowLabel += 1 }),
        ]
        for (name, version, edit) in edits {
            let run = stream(version, count: 2) { i, tcp, ip in if i == 1 { edit(&tcp, &ip) } }
            XCTAssertEqual(coalesce(run), singles(run), name)
        }
    }

    func testIPv4IdsWithoutDontFragmentMustBeConsecutive() throws {
        let consecutive = stream(.v4, count: 3) { _, _, ip in ip.dontFragment = false }
        let writes = coalesce(consecutive)
        XCTAssertEqual(writes.count, 1)
        try writes.first.map { try assertSuperPacket($0, of: consecutive) }
        let jump = stream(.v4, count: 2) { i, _, ip in
            ip.dontFragment = false
            if i == 1 { ip.identification &+= 5 }
        }
        XCTAssertEqual(coalesce(jump), singles(jump))
        let ignoredWithDF = stream(.v4, count: 2) { i, _, ip in if i == 1 { ip.identification &+= 5 } }
        XCTAssertEqual(coalesce(ignoredWithDF).count, 1)
    }

    func testSmallerSegmentClosesTheGroup() throws {
        let shorter = stream(.v4, count: 2, lastSize: 500)
        var next = B.TCPFields()
        next.sequence = B.read32(shorter[1], 24) &+ 500
        let after = B.tcp(.v4, payload: B.pattern(Self.payloadSize), tcp: next)
        let writes = coalesce(shorter + [after])
        XCTAssertEqual(writes.count, 2)
        guard writes.count == 2 else { return }
        try assertSuperPacket(writes[0], of: shorter)
        XCTAssertEqual(writes[1], Write(header: .none, packet: after))
    }

    func testUnusualLayoutsAreNotMerged() {
        // IPv4 options: one word of NOPs, lengths and checksums fixed up.
        let withOptions = stream(.v4, count: 2).map { packet -> [UInt8] in
            var bytes = [0x46] + Array(packet[1..<20]) + [1, 1, 1, 1] + packet[20...]
            ReferenceChecksum.write16(&bytes, 2, UInt16(bytes.count))
            return B.complete(bytes, version: .v4, proto: IPProtocol.tcp)
        }
        XCTAssertEqual(coalesce(withOptions), singles(withOptions), "IPv4 options")
        // Bytes past the IP packet's declared end.
        let trailing = stream(.v6, count: 2).map { $0 + [0, 0] }
        XCTAssertEqual(coalesce(trailing), singles(trailing), "trailing bytes")
        // Not TCP at all, in the same addresses.
        let udp = [B.udp(.v4, payload: B.pattern(100)), B.udp(.v4, payload: B.pattern(100))]
        XCTAssertEqual(coalesce(udp), singles(udp), "UDP")
        // Too short to hold an IP header.
        XCTAssertEqual(coalesce([[0x45, 0]]), singles([[0x45, 0]]), "runt")
    }

    func testLargerSegmentDoesNotJoin() {
        let run = stream(.v4, count: 2, size: 500, lastSize: 1000)
        XCTAssertEqual(coalesce(run), singles(run))
    }

    func testCorruptSegmentIsWrittenAloneUnchanged() {
        var run = stream(.v4, count: 3)
        run[1][run[1].count - 1] ^= 0x5a
        XCTAssertEqual(coalesce(run), singles(run))
        var badHead = stream(.v6, count: 2)
        badHead[0][60] ^= 1
        XCTAssertEqual(coalesce(badHead), singles(badHead))
    }

    // MARK: - Limits

    func testGroupStaysWithin65535Bytes() throws {
        let run = stream(.v4, count: 50, size: 1400)
        let writes = coalesce(run)
        XCTAssertEqual(writes.map(\.packet.count), [52 + 46 * 1400, 52 + 4 * 1400])
        guard writes.count == 2 else { return }
        try assertSuperPacket(writes[0], of: Array(run[0..<46]))
        try assertSuperPacket(writes[1], of: Array(run[46...]))
    }

    func testWithoutFreeBufferPacketsStayAlone() throws {
        let flows = (0..<(PacketCoalescer.bufferCount + 1)).map { stream(.v6, count: 2, port: 41000 + UInt16($0)) }
        let coalescer = PacketCoalescer()
        let writes = coalesce(flows.flatMap { $0 }, into: coalescer)
        XCTAssertEqual(writes.count, PacketCoalescer.bufferCount + 2)
        guard writes.count == PacketCoalescer.bufferCount + 2 else { return }
        for flow in 0..<PacketCoalescer.bufferCount { try assertSuperPacket(writes[flow], of: flows[flow]) }
        XCTAssertEqual(Array(writes[PacketCoalescer.bufferCount...]), singles(flows[PacketCoalescer.bufferCount]))
        XCTAssertEqual(coalescer.coalescedPackets, UInt64(PacketCoalescer.bufferCount))
        // Flushing frees the buffers.
        let again = coalesce(flows[0], into: coalescer)
        XCTAssertEqual(again.count, 1)
    }

    func testFullEntryTableRefusesNewGroupsUntilFlushed() throws {
        let pinned = PinnedPackets()
        let coalescer = PacketCoalescer()
        let flows = (0...PacketCoalescer.entryCapacity).map { stream(.v4, count: 2, port: 20000 + UInt16($0)) }
        for flow in flows.dropLast() { XCTAssertTrue(coalescer.add(pinned.pin(flow[0]))) }
        let refused = pinned.pin(flows[PacketCoalescer.entryCapacity][0])
        XCTAssertFalse(coalescer.add(refused), "entry \(PacketCoalescer.entryCapacity + 1)")
        XCTAssertTrue(coalescer.add(pinned.pin(flows[0][1])), "joining needs no new entry")
        let writes = flush(coalescer)
        XCTAssertEqual(writes.count, PacketCoalescer.entryCapacity)
        guard writes.count == PacketCoalescer.entryCapacity else { return }
        try assertSuperPacket(writes[0], of: flows[0])
        XCTAssertEqual(Array(writes[1...]), singles(flows[1..<PacketCoalescer.entryCapacity].map { $0[0] }))
        XCTAssertTrue(coalescer.add(refused))
        XCTAssertEqual(flush(coalescer), singles([flows[PacketCoalescer.entryCapacity][0]]))
    }

    func testGroupOfOneIsWrittenFromTheCallersMemory() {
        let pinned = PinnedPackets()
        let coalescer = PacketCoalescer()
        let packet = pinned.pin(stream(.v4, count: 1)[0])
        XCTAssertTrue(coalescer.add(packet))
        var written: UnsafeRawBufferPointer?
        coalescer.flush { _, bytes in written = bytes }
        XCTAssertEqual(written?.baseAddress, packet.baseAddress)
        XCTAssertEqual(written?.count, packet.count)
    }

    // MARK: - Checks

    /// The write is one super-packet of `members`: its virtio-net header, headers,
    /// partial checksum and payload; and segmenting it gives `members` back exactly.
    private func assertSuperPacket(_ write: Write, of members: [[UInt8]],
                                   file: StaticString = #filePath, line: UInt = #line) throws {
        let first = members[0]
        let version: UInt8 = first[0] >> 4
        let transport = B.transportOffset(first)
        let headerLength = transport + Int(first[transport + 12] >> 4) * 4
        let packet = write.packet
        let expectedHeader = VirtioNetHeader(
            flags: VirtioNetHeader.needsChecksum,
            gsoType: version == 4 ? VirtioNetHeader.gsoTCPv4 : VirtioNetHeader.gsoTCPv6,
            headerLength: UInt16(headerLength), gsoSize: UInt16(first.count - headerLength),
            checksumStart: UInt16(transport), checksumOffset: 16)
        XCTAssertEqual(write.header, expectedHeader, file: file, line: line)
        XCTAssertEqual(Array(packet[headerLength...]), members.flatMap { $0[headerLength...] }, "payload",
                       file: file, line: line)
        if version == 4 {
            XCTAssertEqual(Int(ReferenceChecksum.read16(packet, 2)), packet.count, file: file, line: line)
            XCTAssertEqual(ReferenceChecksum.read16(packet, 10), ReferenceChecksum.ipv4Header(packet), file: file, line: line)
        } else {
            XCTAssertEqual(Int(ReferenceChecksum.read16(packet, 4)), packet.count - 40, file: file, line: line)
        }
        XCTAssertEqual(ReferenceChecksum.read16(packet, transport + 16),
                       B.pseudoHeaderSum(packet, proto: IPProtocol.tcp, transportOffset: transport),
                       "partial checksum", file: file, line: line)
        let lastFlags = members[members.count - 1][transport + 13]
        XCTAssertEqual(packet[transport + 13], first[transport + 13] | (lastFlags & TCPFlags.psh.rawValue),
                       "flags", file: file, line: line)
        let segments = try packet.withUnsafeBytes { bytes throws -> [[UInt8]] in
            let plan = try OffloadSegmenter.plan(write.header, packet: bytes, segmentCapacity: 1500)
            var out = [UInt8](repeating: 0, count: 1500)
            return (0..<plan.count).map { i in
                let length = out.withUnsafeMutableBytes { plan.writeSegment(i, from: bytes, into: $0) }
                return Array(out[0..<length])
            }
        }
        XCTAssertEqual(segments, members, "segmenting the super-packet gives the members back", file: file, line: line)
    }
}
