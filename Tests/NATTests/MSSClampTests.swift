// MSS clamping on SYNs in both directions, when configured.
import Addresses
import NAT
import Packet
import XCTest

final class MSSClampTests: XCTestCase {
    func testSYNMSSIsClampedBothWays() {
        let table = Fixture.table(Fixture.configuration(mss: 1380))
        let syn = PacketBuilder.tcp("\(Fixture.alice4):40000", "\(Fixture.remote4):80", flags: .syn, mss: 1460)
        assertForwarded(table, syn, from: Fixture.alice, now: 0)
        XCTAssertEqual(syn.packet.tcp?.maximumSegmentSize, 1380)
        let synAck = PacketBuilder.tcp("\(Fixture.remote4):80", "\(Fixture.egress4):\(syn.sourcePort!)",
                                       flags: [.syn, .ack], mss: 1460)
        assertDelivered(table, synAck, to: Fixture.alice, now: 0)
        XCTAssertEqual(synAck.packet.tcp?.maximumSegmentSize, 1380)
    }

    func testSmallerMSSAndNoClampAreLeftAlone() {
        let clamping = Fixture.table(Fixture.configuration(mss: 1380))
        let small = PacketBuilder.tcp("\(Fixture.alice4):40000", "\(Fixture.remote4):80", flags: .syn, mss: 1200)
        assertForwarded(clamping, small, from: Fixture.alice, now: 0)
        XCTAssertEqual(small.packet.tcp?.maximumSegmentSize, 1200)
        let plain = Fixture.table()
        let syn = PacketBuilder.tcp("\(Fixture.alice4):40000", "\(Fixture.remote4):80", flags: .syn, mss: 1460)
        assertForwarded(plain, syn, from: Fixture.alice, now: 0)
        XCTAssertEqual(syn.packet.tcp?.maximumSegmentSize, 1460)
    }
}
