// Destinations that name the server host or its links are never translated (issue 24,
// item 3): translated, a client's datagram to 127.0.0.1 left by raw socket reached the
// host's loopback listeners from the host's own address. Each kind is refused under its
// own reason, over both families and in IPv4-mapped form, for every kind of packet the NAT
// otherwise translates; nothing is rewritten and no mapping is made.
import Addresses
import NAT
import Packet
import XCTest

final class SpecialDestinationTests: XCTestCase {
    /// One destination of each kind per family, with the reason it is refused for.
    private let cases: [(destination: String, reason: NATDropReason)] = [
        ("127.0.0.1", .toLoopback), ("127.255.255.254", .toLoopback), ("0.0.0.0", .toUnspecified),
        ("0.1.2.3", .toUnspecified), ("224.0.0.251", .toMulticast), ("239.255.255.250", .toMulticast),
        ("255.255.255.255", .toBroadcast), ("169.254.169.254", .toLinkLocal),
        ("::1", .toLoopback), ("::", .toUnspecified), ("ff02::1", .toMulticast), ("ff0e::1", .toMulticast),
        ("fe80::1", .toLinkLocal), ("febf::1", .toLinkLocal),
        ("::ffff:127.0.0.1", .toLoopback), ("::ffff:0.0.0.0", .toUnspecified), ("::ffff:224.0.0.1", .toMulticast),
        ("::ffff:255.255.255.255", .toBroadcast), ("::ffff:169.254.0.1", .toLinkLocal),
    ]

    private func source(for destination: String) -> String {
        destination.contains(":") ? Fixture.alice6 : Fixture.alice4
    }

    private func endpoint(_ address: String, _ port: UInt16) -> String {
        address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
    }

    private func assertRefused(_ table: NATTable, _ packet: TestPacket, _ reason: NATDropReason,
                               file: StaticString = #filePath, line: UInt = #line) {
        let pristine = packet.bytes
        XCTAssertEqual(table.translateOutbound(packet.packet, from: Fixture.alice, now: 1), .drop(reason),
                       file: file, line: line)
        XCTAssertEqual(packet.bytes, pristine, "nothing rewritten", file: file, line: line)
    }

    func testUDPToEachSpecialDestinationIsRefusedUnderItsReason() {
        let table = Fixture.table()
        for (destination, reason) in cases {
            let packet = PacketBuilder.udp(endpoint(source(for: destination), 40000), endpoint(destination, 7777))
            assertRefused(table, packet, reason)
        }
        let drops = table.statistics.drops
        XCTAssertEqual(drops.toLoopback, 4)
        XCTAssertEqual(drops.toUnspecified, 4)
        XCTAssertEqual(drops.toMulticast, 5)
        XCTAssertEqual(drops.toBroadcast, 2)
        XCTAssertEqual(drops.toLinkLocal, 4)
        XCTAssertEqual(drops.total, UInt64(cases.count), "no other reason counted")
        XCTAssertEqual(table.statistics.mappings, 0)
        XCTAssertEqual(table.statistics.portsInUse, 0)
    }

    func testTCPEchoAndFragmentsToLoopbackAreRefusedToo() {
        let table = Fixture.table()
        assertRefused(table, PacketBuilder.tcp("\(Fixture.alice4):40000", "127.0.0.1:22", flags: .syn), .toLoopback)
        assertRefused(table, PacketBuilder.tcp("[\(Fixture.alice6)]:40000", "[::1]:22", flags: .syn), .toLoopback)
        assertRefused(table, PacketBuilder.echo(Fixture.alice4, "127.0.0.1", id: 9), .toLoopback)
        assertRefused(table, PacketBuilder.echo(Fixture.alice6, "::1", id: 9), .toLoopback)
        let whole = PacketBuilder.udp("\(Fixture.alice4):40000", "127.0.0.1:7777", payload: Array(repeating: 7, count: 3000))
        let fragments = PacketBuilder.fragmentIPv4(whole.bytes, chunk: 1200)
        XCTAssertEqual(fragments.count, 3)
        for fragment in fragments { assertRefused(table, TestPacket(fragment), .toLoopback) }
        XCTAssertEqual(table.statistics.drops.toLoopback, 7, "every fragment under the same reason, none as no mapping")
        XCTAssertEqual(table.statistics.drops.noMapping, 0)
        XCTAssertEqual(table.statistics.mappings, 0)
    }

    /// The neighbours just outside each block are ordinary remotes and translate as before.
    func testAddressesNextToTheBlocksAreTranslated() {
        let table = Fixture.table()
        for destination in ["1.0.0.1", "128.0.0.1", "169.255.0.1", "223.255.255.254", "240.0.0.1", "fec0::1",
                            "2001:db8:1::9"] {
            let packet = PacketBuilder.udp(endpoint(source(for: destination), 40000), endpoint(destination, 7777))
            assertForwarded(table, packet, from: Fixture.alice, now: 1)
        }
        XCTAssertEqual(table.statistics.drops.total, 0)
    }

    func testEveryNewReasonHasItsOwnCounterAndWords() {
        var counts = NATDropCounts()
        let reasons: [NATDropReason] = [.toLoopback, .toUnspecified, .toMulticast, .toBroadcast, .toLinkLocal]
        for (i, reason) in reasons.enumerated() { counts[reason] = UInt64(i + 1) }
        XCTAssertEqual(reasons.map { counts[$0] }, [1, 2, 3, 4, 5])
        XCTAssertEqual(counts.total, 15)
        XCTAssertEqual(reasons.map(\.description),
                       ["to loopback", "to unspecified address", "to multicast", "to broadcast", "to link-local"])
        XCTAssertEqual(SpecialAddress.allCases.map { NATDropReason(destination: $0) }, reasons)
    }

    /// The broadcast address of a subnet the host is on is delivered locally by the kernel:
    /// refused as broadcast once the NAT knows the host's subnets; its neighbours translate.
    func testTheHostsSubnetBroadcastsAreRefused() throws {
        let table = Fixture.table()
        table.hostAddresses = HostAddresses(interfaces: [try IPPrefix(parsing: "192.0.2.1/25"),
                                                         try IPPrefix(parsing: "\(Fixture.egress4)/24")])
        assertRefused(table, PacketBuilder.udp("\(Fixture.alice4):40000", "192.0.2.127:7777"), .toBroadcast)
        assertRefused(table, PacketBuilder.udp("\(Fixture.alice4):40000", "203.0.113.255:7777"), .toBroadcast)
        assertForwarded(table, PacketBuilder.udp("\(Fixture.alice4):40000", "192.0.2.126:7777"), from: Fixture.alice, now: 1)
        assertForwarded(table, PacketBuilder.udp("\(Fixture.alice4):40000", "192.0.2.255:7777"), from: Fixture.alice, now: 1)
        XCTAssertEqual(table.statistics.drops.toBroadcast, 2)
        XCTAssertEqual(table.statistics.drops.total, 2)
    }
}
