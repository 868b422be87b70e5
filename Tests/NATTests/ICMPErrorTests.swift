// ICMP errors about translated flows (RFC 5508): the outer destination and the quoted
// packet's source address and port go back to the client's, with every checksum right.
import Addresses
import NAT
import Packet
import XCTest

final class ICMPErrorTests: XCTestCase {
    private let fragmentationNeededCode: UInt8 = 4
    private let portUnreachableV4: UInt8 = 3
    private let portUnreachableV6: UInt8 = 4

    /// Sends `original` out, builds the error `make` returns about the translated packet,
    /// passes it in, and checks outer and inner translation.
    private func assertErrorTranslated(original: TestPacket, client: ClientID, clientAddress: String,
                                       make: (TestPacket) -> TestPacket,
                                       file: StaticString = #filePath, line: UInt = #line) {
        let table = Fixture.table()
        let internalPort = original.sourcePort
        let internalID = original.echoIdentifier
        assertForwarded(table, original, from: client, now: 0, file: file, line: line)
        let error = make(original)
        assertDelivered(table, error, to: client, now: 1, file: file, line: line)
        XCTAssertEqual(error.destination, Fixture.address(clientAddress), "outer destination", file: file, line: line)
        guard let quote = error.packet.quotedPacket else { return XCTFail("no quote", file: file, line: line) }
        XCTAssertEqual(quote.source, Fixture.address(clientAddress), "quoted source", file: file, line: line)
        if let port = internalPort { XCTAssertEqual(quote.sourcePort, port, "quoted port", file: file, line: line) }
        if let id = internalID { XCTAssertEqual(quote.echoIdentifier, id, "quoted echo id", file: file, line: line) }
        if quote.version == .v4 {
            XCTAssertTrue(PacketBuilder.ipv4HeaderChecksumIsValid(quote.bytes), "quoted IPv4 header checksum",
                          file: file, line: line)
        } else {
            // IPv6 quotes the whole (small) packet here, so its transport checksum can be checked too.
            let inner = TestPacket(Array(quote.bytes), recomputeChecksums: false)
            XCTAssertTrue(inner.hasValidChecksums, "quoted packet's checksums", file: file, line: line)
        }
    }

    func testPortUnreachableAboutUDP() {
        assertErrorTranslated(
            original: PacketBuilder.udp("\(Fixture.alice4):40000", "\(Fixture.remote4):9"),
            client: Fixture.alice, clientAddress: Fixture.alice4) { sent in
                PacketBuilder.icmpError(from: Fixture.remote4, to: Fixture.egress4,
                                        type: ICMPv4Header.destinationUnreachable, code: self.portUnreachableV4,
                                        quoting: sent)
            }
    }

    func testFragmentationNeededAboutTCP() {
        assertErrorTranslated(
            original: PacketBuilder.tcp("\(Fixture.alice4):40000", "\(Fixture.remote4):80", flags: .ack),
            client: Fixture.alice, clientAddress: Fixture.alice4) { sent in
                PacketBuilder.icmpError(from: Fixture.router4, to: Fixture.egress4,
                                        type: ICMPv4Header.destinationUnreachable,
                                        code: self.fragmentationNeededCode, restOfHeader: 1280, quoting: sent)
            }
    }

    func testTimeExceededAboutUDPFromARouter() {
        assertErrorTranslated(
            original: PacketBuilder.udp("\(Fixture.bob4):33434", "\(Fixture.remote4):33434"),
            client: Fixture.bob, clientAddress: Fixture.bob4) { sent in
                PacketBuilder.icmpError(from: Fixture.router4, to: Fixture.egress4,
                                        type: ICMPv4Header.timeExceeded, code: 0, quoting: sent)
            }
    }

    func testTimeExceededAboutEcho() {
        assertErrorTranslated(
            original: PacketBuilder.echo(Fixture.alice4, Fixture.remote4, id: 4321),
            client: Fixture.alice, clientAddress: Fixture.alice4) { sent in
                PacketBuilder.icmpError(from: Fixture.router4, to: Fixture.egress4,
                                        type: ICMPv4Header.timeExceeded, code: 0, quoting: sent)
            }
    }

    func testIPv6PacketTooBigAboutTCP() {
        assertErrorTranslated(
            original: PacketBuilder.tcp("[\(Fixture.alice6)]:40000", "[\(Fixture.remote6)]:443", flags: .ack),
            client: Fixture.alice, clientAddress: Fixture.alice6) { sent in
                PacketBuilder.icmpError(from: Fixture.router6, to: Fixture.egress6,
                                        type: ICMPv6Header.packetTooBig, code: 0, restOfHeader: 1280, quoting: sent)
            }
    }

    func testIPv6PortUnreachableAndTimeExceeded() {
        assertErrorTranslated(
            original: PacketBuilder.udp("[\(Fixture.alice6)]:40000", "[\(Fixture.remote6)]:9"),
            client: Fixture.alice, clientAddress: Fixture.alice6) { sent in
                PacketBuilder.icmpError(from: Fixture.remote6, to: Fixture.egress6,
                                        type: ICMPv6Header.destinationUnreachable, code: self.portUnreachableV6,
                                        quoting: sent)
            }
        assertErrorTranslated(
            original: PacketBuilder.echo(Fixture.bob6, Fixture.remote6, id: 99),
            client: Fixture.bob, clientAddress: Fixture.bob6) { sent in
                PacketBuilder.icmpError(from: Fixture.router6, to: Fixture.egress6,
                                        type: ICMPv6Header.timeExceeded, code: 0, quoting: sent)
            }
    }

    func testErrorAboutAFlowToAnotherDestinationIsFiltered() {
        let table = Fixture.table()
        let sent = PacketBuilder.udp("\(Fixture.alice4):40000", "\(Fixture.remote4):9")
        assertForwarded(table, sent, from: Fixture.alice, now: 0)
        // A forged error claiming the mapping sent to a host it never contacted.
        let forged = PacketBuilder.udp("\(Fixture.egress4):\(sent.sourcePort!)", "\(Fixture.otherRemote4):9")
        let error = PacketBuilder.icmpError(from: Fixture.router4, to: Fixture.egress4,
                                            type: ICMPv4Header.destinationUnreachable, code: portUnreachableV4,
                                            quoting: forged)
        XCTAssertEqual(table.translateInbound(error.packet, now: 1), .drop(.filtered))
    }

    func testErrorAboutAnUnknownFlowIsDropped() {
        let table = Fixture.table()
        let never = PacketBuilder.udp("\(Fixture.egress4):61999", "\(Fixture.remote4):9")
        let error = PacketBuilder.icmpError(from: Fixture.remote4, to: Fixture.egress4,
                                            type: ICMPv4Header.destinationUnreachable, code: portUnreachableV4,
                                            quoting: never)
        XCTAssertEqual(table.translateInbound(error.packet, now: 0), .drop(.noMapping))
        XCTAssertEqual(table.statistics.drops.noMapping, 1)
    }

    func testClientsPortUnreachableGoesOutTranslated() {
        let table = Fixture.table()
        let out = PacketBuilder.udp("\(Fixture.alice4):40000", "\(Fixture.remote4):53")
        assertForwarded(table, out, from: Fixture.alice, now: 0)
        let external = out.sourcePort!
        let reply = out.reply()
        assertDelivered(table, reply, to: Fixture.alice, now: 1)
        // Alice's socket is closed: her kernel answers the reply with port unreachable.
        let error = PacketBuilder.icmpError(from: Fixture.alice4, to: Fixture.remote4,
                                            type: ICMPv4Header.destinationUnreachable, code: portUnreachableV4,
                                            quoting: reply)
        assertForwarded(table, error, from: Fixture.alice, now: 2)
        XCTAssertEqual(error.source, Fixture.address(Fixture.egress4))
        let quote = error.packet.quotedPacket
        XCTAssertEqual(quote?.destination, Fixture.address(Fixture.egress4))
        XCTAssertEqual(quote?.destinationPort, external)
        XCTAssertTrue(quote.map { PacketBuilder.ipv4HeaderChecksumIsValid($0.bytes) } ?? false)
    }
}
