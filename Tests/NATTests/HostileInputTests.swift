// Damaged packets of every kind go through both directions without a trap, and
// whatever the table decides, its counters stay consistent.
import Addresses
import NAT
import Packet
import XCTest

final class HostileInputTests: XCTestCase {
    /// SplitMix64: a fixed seed makes every run see the same packets.
    private struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
    }

    private func seeds() -> [[UInt8]] {
        let udp = PacketBuilder.udp("\(Fixture.egress4):61000", "\(Fixture.remote4):9")
        let udp6 = PacketBuilder.udp("[\(Fixture.egress6)]:61000", "[\(Fixture.remote6)]:9")
        return [
            PacketBuilder.udp("\(Fixture.alice4):40000", "\(Fixture.remote4):53").bytes,
            PacketBuilder.tcp("\(Fixture.alice4):40001", "\(Fixture.remote4):80", flags: .syn, mss: 1460).bytes,
            PacketBuilder.echo(Fixture.alice4, Fixture.remote4, id: 61000).bytes,
            PacketBuilder.udp("\(Fixture.remote4):53", "\(Fixture.egress4):61000").bytes,
            PacketBuilder.echo(Fixture.remote6, Fixture.egress6, id: 61000, request: false).bytes,
            PacketBuilder.icmpError(from: Fixture.router4, to: Fixture.egress4, type: ICMPv4Header.timeExceeded,
                                    code: 0, quoting: udp).bytes,
            PacketBuilder.icmpError(from: Fixture.router6, to: Fixture.egress6, type: ICMPv6Header.packetTooBig,
                                    code: 0, restOfHeader: 1280, quoting: udp6).bytes,
        ]
    }

    func testDamagedPacketsNeverTrapAndCountersStayConsistent() {
        let table = Fixture.table(Fixture.configuration(portRange: 61000...61003, mss: 1380))
        var rng = Generator(state: 42)
        var decisions: UInt64 = 0
        let seeds = seeds()
        for round in 0..<20_000 {
            var bytes = seeds[round % seeds.count]
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            if Bool.random(using: &rng) { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng))) }
            bytes.withUnsafeMutableBytes { raw in
                guard let packet = IPPacket(buffer: raw, length: raw.count) else { return }
                decisions += 1
                let now = UInt64(round) * 10_000_000
                if round % 2 == 0 {
                    _ = table.translateOutbound(packet, from: ClientID(UInt32(round % 3)), now: now)
                } else {
                    _ = table.translateInbound(packet, now: now)
                }
            }
            if round % 100 == 0 { table.collectGarbage(now: UInt64(round) * 10_000_000) }
        }
        let stats = table.statistics
        XCTAssertGreaterThan(decisions, 1000, "enough damaged packets still parsed to exercise the table")
        XCTAssertGreaterThan(stats.translatedOutbound, 0)
        XCTAssertGreaterThan(stats.translatedInbound, 0)
        XCTAssertEqual(stats.translatedOutbound + stats.translatedInbound + stats.drops.total, decisions)
        XCTAssertEqual(stats.mappings, stats.portsInUse)
        XCTAssertEqual(table.mappings(now: 0).count, stats.mappings)
        table.collectGarbage(now: UInt64.max / 2)
        XCTAssertEqual(table.statistics.mappings, 0)
        XCTAssertEqual(table.statistics.portsInUse, 0)
    }
}
