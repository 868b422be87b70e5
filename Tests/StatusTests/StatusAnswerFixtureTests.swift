// A realistic `get=tunnel` answer (a server with NAT, data-path counters and 40 peers of
// every kind: named, unnamed, limited, off the device, IPv4 and IPv6 endpoints, drops) held
// as recorded files: the answer's bytes, and the text (plain and coloured) and JSON that
// `tunnel status` made of it. The files were recorded by the String-based writer and parser
// these tests guard, so a faster writer or parser must give the same bytes, both ways.
// STATUS_FIXTURES_RECORD=1 writes the files anew (only when the output is meant to change).
import Addresses
import Control
import DataPath
import Foundation
import XCTest
@testable import Status
@testable import WireGuard

final class StatusAnswerFixtureTests: XCTestCase {
    static let now: Int64 = 1_800_000_000
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Deterministic, varied, and as the server builds it (counter names from StatusCounterName).
    static var snapshot: UAPIDeviceSnapshot {
        var device = UAPIDeviceSnapshot(privateKey: key(1), listenPort: 51820, fwmark: 0x2a)
        device.tunnel = UAPITunnelInfo(name: "wg-srv0", role: "server", publicKey: key(2),
                                       addresses: [prefix("100.64.0.1/16"), prefix("2001:db8:100::1/64")])
        var counters = [UAPICounter(StatusCounterName.peers, 40), UAPICounter(StatusCounterName.sessions, 7),
                        UAPICounter(StatusCounterName.cookieRepliesSent, 3)]
        counters += DropReason.allCases.enumerated().map { i, r in UAPICounter(StatusCounterName.drop(r), UInt64(i % 3 == 0 ? i * 7 : 0)) }
        counters += [UAPICounter("nat_mappings_tcp", 12), UAPICounter("nat_mappings_udp", 4), UAPICounter("nat_mappings_icmp", 0),
                     UAPICounter("nat_ports_in_use", 16), UAPICounter("nat_port_range_size", 12000),
                     UAPICounter("nat_ports_used_tcp", 12), UAPICounter("nat_ports_size_tcp", 4000),
                     UAPICounter("nat_ports_used_udp", 4), UAPICounter("nat_ports_size_udp", 4000),
                     UAPICounter("nat_drop_table_full", 2), UAPICounter("nat_drop_filtered", 0), UAPICounter("nat_drop_hairpin", 5)]
        counters += [UAPICounter("router_isolated_drops", 0), UAPICounter("router_ttl_expired", 9),
                     UAPICounter(DataPathCounts.Name.superPacketsRead, 12), UAPICounter(DataPathCounts.Name.segmentsMade, 540),
                     UAPICounter(DataPathCounts.Name.packetsCoalesced, 530), UAPICounter(DataPathCounts.Name.superPacketsWritten, 11),
                     UAPICounter(DataPathCounts.Name.udpSendFailures, 1), UAPICounter("future_thing", 77)]
        device.tunnel.counters = counters
        device.peers = (0..<40).map(peer)
        return device
    }

    static func peer(_ i: Int) -> UAPIPeerSnapshot {
        var p = UAPIPeerSnapshot(publicKey: key(UInt8(10 + i)))
        if i % 4 == 1 { p.presharedKey = key(UInt8(100 + i)) }
        switch i % 5 {
        case 1: p.endpoint = Endpoint("192.0.2.\(i):\(40000 + i)")
        case 2: p.endpoint = Endpoint("[2001:db8::\(i)]:\(50000 + i)")
        default: break
        }
        p.allowedIPs = [prefix("100.64.\(i / 200).\(2 + i % 200)/32")] + (i % 6 == 0 ? [prefix("2001:db8:100::\(i + 2)/128")] : [])
        if i % 3 != 0 {
            p.lastHandshakeTimeSec = now - Int64(i * i * 97)
            p.lastHandshakeTimeNsec = Int64(i * 1_000_003)
            p.rxBytes = UInt64(i) * 1_268_777 + UInt64(i * i * i) * 1_000_000_007
            p.txBytes = UInt64(i) * 348_160
        }
        if i % 7 == 3 { p.persistentKeepaliveInterval = UInt16(25 * (i % 4 + 1)) }
        if i % 2 == 0 { p.name = ["laptop", "phone", "ana's tablet", "büro", "x"][i / 2 % 5] + "-\(i)" }
        p.state = ["active", "active", "disabled", "over-quota", "expired", "active"][i % 6]
        if i % 9 != 4 {
            p.counters = [UAPICounter(StatusCounterName.handshakesSent, UInt64(i % 4)),
                          UAPICounter(StatusCounterName.handshakesReceived, UInt64(i % 5)),
                          UAPICounter(StatusCounterName.handshakesFailed, UInt64(i % 3 == 2 ? 1 : 0))]
            // As a server writes them: the reasons above zero only.
            p.counters += DropReason.allCases.enumerated().compactMap { j, r in
                (i + j) % 11 == 0 ? UAPICounter(StatusCounterName.drop(r), UInt64(i + j)) : nil
            }
        }
        p.counters.append(UAPICounter(StatusCounterName.usageBytes, UInt64(i) * 1_000_000_000))
        if i % 4 == 2 { p.counters.append(UAPICounter(StatusCounterName.quotaBytes, 50_000_000_000)) }
        if i % 5 == 3 { p.counters.append(UAPICounter(StatusCounterName.rateBits, 20_000_000)) }
        if i % 6 == 4 { p.counters.append(UAPICounter(StatusCounterName.expires, UInt64(now + Int64(i - 20) * 86_400))) }
        p.offDevice = i >= 37
        return p
    }

    static func key(_ seed: UInt8) -> UAPIKey {
        UAPIKey(bytes: (0..<32).map { UInt8(truncatingIfNeeded: Int(seed) * 31 + $0 * 7) })!
    }

    static func prefix(_ text: String) -> IPPrefix { try! IPPrefix(parsing: text) }

    // MARK: the recorded files

    static func fixture(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    /// Compares with the file, or writes it when recording.
    private func check(_ actual: String, against name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        if ProcessInfo.processInfo.environment["STATUS_FIXTURES_RECORD"] == "1" {
            try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
            try actual.write(to: Self.directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
            return
        }
        let expected = try Self.fixture(name)
        guard actual != expected else { return }
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let first = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }
        XCTFail("\(name) differs (\(actual.utf8.count) bytes against \(expected.utf8.count)); first at line "
                + "\((first?.offset ?? min(a.count, e.count)) + 1): \(first.map { "\($0.element.0) | \($0.element.1)" } ?? "length")",
                file: file, line: line)
    }

    func testTheWriterGivesTheRecordedAnswers() throws {
        try check(UAPIResponseWriter.getResponse(Self.snapshot, includeTunnelInfo: true), against: "answer-tunnel.txt")
        try check(UAPIResponseWriter.getResponse(Self.snapshot), against: "answer-plain.txt")
    }

    func testTheRecordedAnswerReadsBackIntoTheRecordedStatus() throws {
        let answer = try Self.fixture("answer-tunnel.txt")
        let lines = answer.dropLast(2).split(separator: "\n", omittingEmptySubsequences: false)
        let snapshot = try UAPIResponseParser.parseGetResponse(lines: Array(lines))
        var expected = Self.snapshot
        for i in expected.peers.indices { expected.peers[i].offDevice = false }   // not on the wire
        XCTAssertEqual(snapshot, expected)
        let report = StatusReport(time: Self.now, interfaces: [InterfaceStatus(interface: "wg-srv0", snapshot: snapshot)])
        try check(StatusTextRenderer(style: .plain).render(report), against: "status-plain.txt")
        try check(StatusTextRenderer(style: .terminal).render(report), against: "status-terminal.txt")
        try check(StatusJSONRenderer.render(report), against: "status.json")
    }
}
