// The remembered remotes of a mapping are bounded; the oldest is forgotten first.
import Addresses
import NAT
import Packet
import XCTest

final class FilteringTests: XCTestCase {
    func testOldestRemoteIsForgottenWhenTheSetIsFull() {
        var configuration = Fixture.configuration()
        configuration.maxRemotesPerMapping = 2
        let table = Fixture.table(configuration)
        var external: UInt16 = 0
        for remote in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
            let out = PacketBuilder.udp("\(Fixture.alice4):40000", "\(remote):53")
            assertForwarded(table, out, from: Fixture.alice, now: 0)
            external = out.sourcePort!
        }
        XCTAssertEqual(table.mappings(now: 0).first?.remoteCount, 2)
        let fromFirst = PacketBuilder.udp("198.51.100.1:53", "\(Fixture.egress4):\(external)")
        XCTAssertEqual(table.translateInbound(fromFirst.packet, now: 1), .drop(.filtered))
        let fromLast = PacketBuilder.udp("198.51.100.3:53", "\(Fixture.egress4):\(external)")
        assertDelivered(table, fromLast, to: Fixture.alice, now: 1)
    }

    func testInboundNeverCreatesAMapping() {
        let table = Fixture.table()
        let syn = PacketBuilder.tcp("\(Fixture.remote4):5555", "\(Fixture.egress4):61000", flags: .syn)
        XCTAssertEqual(table.translateInbound(syn.packet, now: 0), .drop(.noMapping))
        XCTAssertEqual(table.statistics.mappings, 0)
    }
}
