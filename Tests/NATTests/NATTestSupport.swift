// Shared setup for the NAT tests: one egress per family, a few clients and remotes,
// and a clock in nanoseconds the tests advance by hand.
import Addresses
import NAT
import Packet
import XCTest

enum Fixture {
    static let egress4 = "203.0.113.1"
    static let egress6 = "2001:db8:ffff::1"
    static let alice = ClientID(1)
    static let bob = ClientID(2)
    static let alice4 = "100.64.0.2"
    static let bob4 = "100.64.0.3"
    static let alice6 = "fd00::2"
    static let bob6 = "fd00::3"
    static let remote4 = "198.51.100.7"
    static let otherRemote4 = "198.51.100.8"
    static let router4 = "192.0.2.254"
    static let remote6 = "2001:db8:1::7"
    static let otherRemote6 = "2001:db8:1::8"
    static let router6 = "2001:db8:2::1"

    static func seconds(_ s: UInt64) -> UInt64 { s * 1_000_000_000 }

    static func configuration(portRange: ClosedRange<UInt16> = 61000...64999,
                              timeouts: NATTimeouts = .standard,
                              maxMappingsPerClient: Int = 4096,
                              mss: UInt16? = nil) -> NATConfiguration {
        NATConfiguration(egressIPv4: IPv4Address(egress4)!, egressIPv6: IPv6Address(egress6)!,
                         portRange: portRange, icmpIdentifierRange: portRange, timeouts: timeouts,
                         maxMappingsPerClient: maxMappingsPerClient, tcpMSSClamp: mss)
    }

    static func address(_ text: String) -> IPAddress { PacketBuilder.address(text) }

    static func table(_ configuration: NATConfiguration = configuration()) -> NATTable {
        do {
            return try NATTable(configuration: configuration)
        } catch {
            preconditionFailure("fixture configuration refused: \(error)")
        }
    }
}

extension XCTestCase {
    /// Sends `packet` out for `client` and asserts it was forwarded with valid checksums.
    func assertForwarded(_ table: NATTable, _ packet: TestPacket, from client: ClientID, now: UInt64,
                         file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(table.translateOutbound(packet.packet, from: client, now: now), .forward, file: file, line: line)
        XCTAssertTrue(packet.hasValidChecksums, "checksums after outbound translation", file: file, line: line)
    }

    /// Passes `packet` in and asserts it was delivered to `client` with valid checksums.
    func assertDelivered(_ table: NATTable, _ packet: TestPacket, to client: ClientID, now: UInt64,
                         file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(table.translateInbound(packet.packet, now: now), .deliver(to: client), file: file, line: line)
        XCTAssertTrue(packet.hasValidChecksums, "checksums after inbound translation", file: file, line: line)
    }
}
