// Measurements tests assert on: a whole iperf3 transfer of a known size, a link's packet
// counters, and the counters a running tunnel reports in `tunnel status --json`.
import Foundation
import XCTest

extension Topology {
    /// Sends exactly `megabytes` MiB (or for `seconds`) with iperf3 from `client` to an
    /// `iperf3 -s` at `address` (`reverse`: the server sends) and returns what the receiver
    /// got and the sender sent, in bytes. A transfer that did not finish throws.
    func iperfTransfer(from client: String, to address: String, megabytes: Int = 20, seconds: Int? = nil,
                       reverse: Bool = false, timeout: TimeInterval = 60) throws -> (received: UInt64, sent: UInt64) {
        var argv = ["iperf3", "-c", address, "-J"] + (seconds.map { ["-t", "\($0)"] } ?? ["-n", "\(megabytes)M"])
        if reverse { argv.append("-R") }
        let out = try run(client, argv, timeout: timeout)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let end = try XCTUnwrap(json["end"] as? [String: Any], "iperf3 finished: \(out.suffix(500))")
        let received = try XCTUnwrap((end["sum_received"] as? [String: Any])?["bytes"] as? NSNumber)
        let sent = try XCTUnwrap((end["sum_sent"] as? [String: Any])?["bytes"] as? NSNumber)
        return (received.uint64Value, sent.uint64Value)
    }

    /// Bytes (received, sent) over every link of a namespace but lo and the veths (eth*):
    /// in the test topologies, that is its tunnel interface.
    func tunnelBytes(_ logical: String) throws -> (rx: UInt64, tx: UInt64) {
        let json = try run(logical, ["ip", "-j", "-s", "link", "show"])
        let links = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        var total: (rx: UInt64, tx: UInt64) = (0, 0)
        for link in links {
            guard let name = link["ifname"] as? String, name != "lo", !name.hasPrefix("eth"),
                  let stats = link["stats64"] as? [String: Any] else { continue }
            total.rx += ((stats["rx"] as? [String: Any])?["bytes"] as? NSNumber)?.uint64Value ?? 0
            total.tx += ((stats["tx"] as? [String: Any])?["bytes"] as? NSNumber)?.uint64Value ?? 0
        }
        return total
    }

    /// iperf3 from `client` through its tunnel: the run completed, the whole amount was
    /// sent (`-n`; or for `seconds`), and every byte the receiver counted crossed the
    /// client's tunnel interface in the direction of the transfer. (iperf3's sender count
    /// cannot be compared with the receiver's: what is still buffered when the test ends
    /// is discarded by design.) Returns the bytes received.
    @discardableResult
    func assertIperfThroughTunnel(from client: String, to address: String, megabytes: Int = 20, seconds: Int? = nil,
                                  reverse: Bool = false, file: StaticString = #filePath, line: UInt = #line) throws -> UInt64 {
        let before = try tunnelBytes(client)
        let moved = try iperfTransfer(from: client, to: address, megabytes: megabytes, seconds: seconds, reverse: reverse,
                                      timeout: TimeInterval((seconds ?? 0) + 60))
        let after = try tunnelBytes(client)
        let crossed = reverse ? after.rx - before.rx : after.tx - before.tx
        let direction = reverse ? "reverse" : "forward"
        if seconds == nil {
            XCTAssertGreaterThanOrEqual(moved.sent, UInt64(megabytes) << 20, "iperf3 \(direction) sent it all", file: file, line: line)
        }
        XCTAssertGreaterThan(moved.received, moved.sent / 2, "iperf3 \(direction) delivered: \(moved)", file: file, line: line)
        XCTAssertGreaterThanOrEqual(crossed, moved.received, "iperf3 \(direction): what arrived crossed the tunnel",
                                    file: file, line: line)
        return moved.received
    }

    /// From now on, counts the ICMP echo requests a namespace routes out of `interface` and
    /// the echo replies that come in on it (nft counters): exact where the link's own
    /// counters also see what the kernel sends by itself (an IPv6 report, say).
    func countEchoes(_ logical: String, on interface: String) throws {
        try run(logical, ["nft", "-f", "-"], input: """
            table inet echoprobe {
                chain out { type filter hook output priority 0; policy accept; oifname "\(interface)" icmp type echo-request counter; }
                chain in { type filter hook input priority 0; policy accept; iifname "\(interface)" icmp type echo-reply counter; }
            }
            """)
    }

    /// (replies in, requests out) counted since `countEchoes`.
    func echoes(_ logical: String) throws -> (replies: Int, requests: Int) {
        let listing = try run(logical, "nft", "list", "table", "inet", "echoprobe")
        let counts = listing.split(separator: "\n").compactMap { line -> Int? in
            guard let range = line.range(of: "counter packets ") else { return nil }
            return Int(line[range.upperBound...].split(separator: " ").first ?? "")
        }
        XCTAssertEqual(counts.count, 2, listing)
        return (counts.count == 2 ? counts[1] : -1, counts.first ?? -1)
    }

    /// (received, sent) packets of a link, as the kernel counts them.
    func linkPackets(_ logical: String, _ interface: String) throws -> (rx: UInt64, tx: UInt64) {
        try linkCounters(logical, interface, "packets")
    }

    /// (received, sent) bytes of a link, as the kernel counts them.
    func linkBytes(_ logical: String, _ interface: String) throws -> (rx: UInt64, tx: UInt64) {
        try linkCounters(logical, interface, "bytes")
    }

    private func linkCounters(_ logical: String, _ interface: String, _ key: String) throws -> (rx: UInt64, tx: UInt64) {
        let json = try run(logical, ["ip", "-j", "-s", "link", "show", interface])
        let links = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        let stats = try XCTUnwrap(links.first?["stats64"] as? [String: Any])
        let rx = try XCTUnwrap((stats["rx"] as? [String: Any])?[key] as? NSNumber)
        let tx = try XCTUnwrap((stats["tx"] as? [String: Any])?[key] as? NSNumber)
        return (rx.uint64Value, tx.uint64Value)
    }

    /// One object ("counters", "drops") of a running tunnel's `tunnel status --json`.
    func tunnelCounters(_ logical: String, _ interface: String, _ key: String = "counters") throws -> [String: UInt64] {
        let json = try run(logical, [SystemTestEnvironment.tunnelBinary!, "status", interface, "--json"])
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let interfaces = try XCTUnwrap(doc["interfaces"] as? [[String: Any]])
        let values = try XCTUnwrap(interfaces.first?[key] as? [String: Any])
        return values.compactMapValues { ($0 as? NSNumber)?.uint64Value }
    }
}
