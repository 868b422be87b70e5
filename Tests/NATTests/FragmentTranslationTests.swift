// Fragmented datagrams: the first fragment carries the ports and creates the mapping;
// the later ones follow it, outbound and inbound, and reassemble with valid checksums.
import Addresses
import NAT
import Packet
import XCTest

final class FragmentTranslationTests: XCTestCase {
    private let datagramPayload = (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    private let chunk = 1480

    private func fragments(_ from: String, _ to: String, v6: Bool, identification: UInt32) -> [TestPacket] {
        let whole = PacketBuilder.udp(from, to, payload: datagramPayload)
        if v6 {
            return PacketBuilder.fragmentIPv6(whole.bytes, chunk: chunk - 8, identification: identification)
                .map { TestPacket($0) }
        }
        var bytes = whole.bytes
        bytes.replaceSubrange(4..<6, with: PacketBuilder.be16(UInt16(truncatingIfNeeded: identification)))
        return PacketBuilder.fragmentIPv4(bytes, chunk: chunk).map { TestPacket($0) }
    }

    private func assertRoundTrip(client: String, remote: String, egress: String, v6: Bool) {
        let table = Fixture.table()
        let bracket = { (a: String) in v6 ? "[\(a)]" : a }
        let outbound = fragments("\(bracket(client)):40000", "\(bracket(remote)):7", v6: v6, identification: 0x1111)
        XCTAssertEqual(outbound.count, 3)
        for fragment in outbound {
            assertForwarded(table, fragment, from: Fixture.alice, now: 0)
            XCTAssertEqual(fragment.source, Fixture.address(egress))
        }
        let sent = PacketBuilder.reassemble(outbound)
        XCTAssertTrue(sent.hasValidChecksums, "reassembled outbound datagram")
        XCTAssertEqual(sent.source, Fixture.address(egress))
        let external = sent.sourcePort!
        XCTAssertTrue((61000...64999).contains(external))

        let inbound = fragments("\(bracket(remote)):7", "\(bracket(egress)):\(external)", v6: v6, identification: 0x2222)
        for fragment in inbound {
            assertDelivered(table, fragment, to: Fixture.alice, now: 1)
            XCTAssertEqual(fragment.destination, Fixture.address(client))
        }
        let received = PacketBuilder.reassemble(inbound)
        XCTAssertTrue(received.hasValidChecksums, "reassembled inbound datagram")
        XCTAssertEqual(received.destinationPort, 40000)
        XCTAssertEqual(Array(received.packet.udp!.payload), datagramPayload)
    }

    func testIPv4DatagramOf3000BytesCrossesBothWays() {
        assertRoundTrip(client: Fixture.alice4, remote: Fixture.remote4, egress: Fixture.egress4, v6: false)
    }

    func testIPv6DatagramOf3000BytesCrossesBothWays() {
        assertRoundTrip(client: Fixture.alice6, remote: Fixture.remote6, egress: Fixture.egress6, v6: true)
    }

    func testLaterFragmentWithoutFirstIsDropped() {
        let table = Fixture.table()
        let outbound = fragments("\(Fixture.alice4):40000", "\(Fixture.remote4):7", v6: false, identification: 5)
        XCTAssertEqual(table.translateOutbound(outbound[1].packet, from: Fixture.alice, now: 0), .drop(.noMapping))
        let inbound = fragments("\(Fixture.remote4):7", "\(Fixture.egress4):61000", v6: false, identification: 6)
        XCTAssertEqual(table.translateInbound(inbound[1].packet, now: 0), .drop(.noMapping))
        XCTAssertEqual(table.statistics.drops.noMapping, 2)
    }

    func testFragmentRecordsExpire() {
        let table = Fixture.table()
        let outbound = fragments("\(Fixture.alice4):40000", "\(Fixture.remote4):7", v6: false, identification: 5)
        assertForwarded(table, outbound[0], from: Fixture.alice, now: 0)
        XCTAssertEqual(table.statistics.fragmentRecords, 1)
        table.collectGarbage(now: Fixture.seconds(31))
        XCTAssertEqual(table.statistics.fragmentRecords, 0)
        XCTAssertEqual(table.translateOutbound(outbound[1].packet, from: Fixture.alice, now: Fixture.seconds(31)),
                       .drop(.noMapping))
    }

    func testAnotherClientCannotUseAFragmentRecord() {
        let table = Fixture.table()
        let outbound = fragments("\(Fixture.alice4):40000", "\(Fixture.remote4):7", v6: false, identification: 5)
        assertForwarded(table, outbound[0], from: Fixture.alice, now: 0)
        XCTAssertEqual(table.translateOutbound(outbound[1].packet, from: Fixture.bob, now: 0), .drop(.noMapping))
    }

    // MARK: translated IPv4 identifications (issue 9)

    private func identification(_ packet: TestPacket) -> UInt16 { packet.packet.ipv4!.identification }

    /// Alice and Bob fragment to one remote with the same id: after the NAT both come from
    /// the egress address, so the ids must differ there or the remote mixes the datagrams.
    func testTwoClientsWithTheSameIdentificationLeaveWithDifferentOnes() {
        let table = Fixture.table()
        let alice = fragments("\(Fixture.alice4):40000", "\(Fixture.remote4):7", v6: false, identification: 0x4242)
        let bob = fragments("\(Fixture.bob4):40000", "\(Fixture.remote4):7", v6: false, identification: 0x4242)
        // Interleaved, as they would arrive.
        for (a, b) in zip(alice, bob) {
            assertForwarded(table, a, from: Fixture.alice, now: 0)
            assertForwarded(table, b, from: Fixture.bob, now: 0)
        }
        let aliceIDs = Set(alice.map(identification)), bobIDs = Set(bob.map(identification))
        XCTAssertEqual(aliceIDs.count, 1, "every fragment of a datagram leaves with one id")
        XCTAssertEqual(bobIDs.count, 1)
        XCTAssertNotEqual(aliceIDs, bobIDs, "the two datagrams are told apart at the remote")
        for datagram in [alice, bob] {
            XCTAssertTrue(datagram.allSatisfy { PacketBuilder.ipv4HeaderChecksumIsValid($0.packet.bytes) })
            let whole = PacketBuilder.reassemble(datagram)
            XCTAssertTrue(whole.hasValidChecksums)
            XCTAssertEqual(Array(whole.packet.udp!.payload), datagramPayload)
        }
        XCTAssertNotEqual(PacketBuilder.reassemble(alice).sourcePort, PacketBuilder.reassemble(bob).sourcePort)
    }

    func testARepeatedFirstFragmentKeepsItsTranslatedIdentification() {
        let table = Fixture.table()
        let once = fragments("\(Fixture.alice4):40000", "\(Fixture.remote4):7", v6: false, identification: 9)
        let again = fragments("\(Fixture.alice4):40000", "\(Fixture.remote4):7", v6: false, identification: 9)
        assertForwarded(table, once[0], from: Fixture.alice, now: 0)
        assertForwarded(table, again[0], from: Fixture.alice, now: 1)
        assertForwarded(table, again[1], from: Fixture.alice, now: 1)
        XCTAssertEqual(identification(once[0]), identification(again[0]))
        XCTAssertEqual(identification(again[1]), identification(again[0]))
        XCTAssertEqual(table.statistics.fragmentRecords, 1)
    }

    func testUnfragmentedPacketsKeepTheirIdentification() {
        let table = Fixture.table()
        let whole = PacketBuilder.udp("\(Fixture.alice4):40000", "\(Fixture.remote4):7")
        let before = identification(whole)
        assertForwarded(table, whole, from: Fixture.alice, now: 0)
        XCTAssertEqual(identification(whole), before)
        XCTAssertEqual(table.statistics.fragmentRecords, 0)
    }

    /// A router's "fragmentation needed" about a translated first fragment quotes the new
    /// id; the client gets its own back, with the quoted header checksum right.
    func testAnErrorQuotingATranslatedFragmentGetsTheClientsIdentificationBack() {
        let table = Fixture.table()
        let sent = fragments("\(Fixture.alice4):40000", "\(Fixture.remote4):7", v6: false, identification: 0x1234)
        assertForwarded(table, sent[0], from: Fixture.alice, now: 0)
        XCTAssertNotEqual(identification(sent[0]), 0x1234)
        let error = PacketBuilder.icmpError(from: Fixture.router4, to: Fixture.egress4,
                                            type: ICMPv4Header.destinationUnreachable, code: 4, restOfHeader: 1280,
                                            quoting: sent[0])
        assertDelivered(table, error, to: Fixture.alice, now: 1)
        let quote = error.packet.quotedPacket!
        XCTAssertEqual(quote.fragmentIdentification, 0x1234)
        XCTAssertEqual(quote.source, Fixture.address(Fixture.alice4))
        XCTAssertEqual(quote.sourcePort, 40000)
        XCTAssertTrue(PacketBuilder.ipv4HeaderChecksumIsValid(quote.bytes))
    }

    /// Neither the outbound nor the inbound ring can be filled by one client: past its
    /// share its first fragments are refused and counted, and Bob's still get a record.
    func testOneClientCannotTakeEveryFragmentRecord() {
        var configuration = Fixture.configuration()
        configuration.maxFragmentRecords = 8
        configuration.maxFragmentRecordsPerClient = 3
        let table = Fixture.table(configuration)
        for id in 0..<5 {
            let first = fragments("\(Fixture.alice4):40000", "\(Fixture.remote4):7", v6: false,
                                  identification: UInt32(100 + id))[0]
            let verdict = table.translateOutbound(first.packet, from: Fixture.alice, now: 0)
            XCTAssertEqual(verdict, id < 3 ? .forward : .drop(.fragmentLimit), "first fragment \(id)")
        }
        XCTAssertEqual(table.statistics.drops.fragmentLimit, 2)
        let bobs = fragments("\(Fixture.bob4):40000", "\(Fixture.remote4):7", v6: false, identification: 100)
        for fragment in bobs { assertForwarded(table, fragment, from: Fixture.bob, now: 0) }
        // Inbound, charged to the mapping's client.
        let external = PacketBuilder.reassemble(bobs).sourcePort!
        for id in 0..<4 {
            let first = fragments("\(Fixture.remote4):7", "\(Fixture.egress4):\(external)", v6: false,
                                  identification: UInt32(200 + id))[0]
            let verdict = table.translateInbound(first.packet, now: 1)
            XCTAssertEqual(verdict, id < 3 ? .deliver(to: Fixture.bob) : .drop(.fragmentLimit), "inbound \(id)")
        }
        XCTAssertEqual(table.statistics.drops.fragmentLimit, 3)
        // Records expire, and the share is free again.
        table.collectGarbage(now: Fixture.seconds(31))
        let later = fragments("\(Fixture.alice4):40000", "\(Fixture.remote4):7", v6: false, identification: 300)
        assertForwarded(table, later[0], from: Fixture.alice, now: Fixture.seconds(31))
    }

    func testDefaultFragmentShareIsAQuarterOfTheRecords() {
        let table = Fixture.table()
        var forwarded = 0
        for id in 0..<300 {
            let first = fragments("\(Fixture.alice4):40000", "\(Fixture.remote4):7", v6: false,
                                  identification: UInt32(id))[0]
            if table.translateOutbound(first.packet, from: Fixture.alice, now: 0) == .forward { forwarded += 1 }
        }
        XCTAssertEqual(forwarded, NATConfiguration.defaultMaxFragmentRecords / 4)
        XCTAssertEqual(table.statistics.drops.fragmentLimit, UInt64(300 - forwarded))
    }
}
