// A server's peer limits on the control socket: a peer on the device carries its state and
// limit counters in `get=tunnel`; a peer kept off the device (disabled, expired, over
// quota) is answered to `get=tunnel` only, so `wg show` (`get=1`) does not list it; and
// the answer reads back into status, its JSON and Prometheus.
import Addresses
import Control
import TestSupport
import XCTest
@testable import Status
@testable import WireGuard

final class StatusPeerLimitsTests: XCTestCase {
    private var devices: InMemoryDevices!
    private let offKey = X25519.publicKey(for: Key(bytes: [UInt8](repeating: 7, count: 32)))

    override func setUp() { devices = InMemoryDevices() }

    private func bridge() -> UAPIBridge {
        let keyB = devices.b.publicKey
        let off = offKey
        return UAPIBridge(device: devices.a, listenPort: { 51820 }, info: {
            TunnelStatusInfo(name: "tun7", role: .server, peers: [
                keyB: TunnelPeerInfo(name: "laptop", allowedIPs: [prefix("100.64.0.2/32")], state: "active",
                                     usageBytes: 1_234, quotaBytes: 50_000_000_000, rateBits: 20_000_000,
                                     expires: 1_800_000_000),
                off: TunnelPeerInfo(name: "phone", allowedIPs: [prefix("100.64.0.9/32")], state: "disabled",
                                    usageBytes: 0, quotaBytes: nil, rateBits: nil, expires: nil),
            ])
        }, now: { [unowned self] in self.devices.now })
    }

    func testOffDevicePeersOnlyInTheTunnelAnswer() throws {
        let snapshot = bridge().snapshot()
        let plain = UAPIResponseWriter.getResponse(snapshot)
        XCTAssertFalse(plain.contains(UAPIKey(offKey).hex), "wg show does not list a peer the device does not hold")
        XCTAssertFalse(plain.contains("tunnel_"), plain)
        let extended = UAPIResponseWriter.getResponse(snapshot, includeTunnelInfo: true)
        XCTAssertTrue(extended.contains("public_key=\(UAPIKey(offKey).hex)\n"), extended)
        XCTAssertTrue(extended.contains("tunnel_peer_state=disabled\n"), extended)

        let lines = extended.split(separator: "\n", omittingEmptySubsequences: true)
        let parsed = try UAPIResponseParser.parseGetResponse(lines: lines)
        let report = StatusReport(time: 1_799_999_000, interfaces: [InterfaceStatus(interface: "tun7", snapshot: parsed)])
        let peers = report.interfaces[0].peers
        let laptop = try XCTUnwrap(peers.first { $0.name == "laptop" })
        XCTAssertEqual(laptop.state, "active")
        XCTAssertEqual(laptop.usageBytes, 1_234)
        XCTAssertEqual(laptop.quotaBytes, 50_000_000_000)
        XCTAssertEqual(laptop.rateBits, 20_000_000)
        XCTAssertEqual(laptop.expires, 1_800_000_000)
        let phone = try XCTUnwrap(peers.first { $0.name == "phone" })
        XCTAssertEqual(phone.state, "disabled")
        XCTAssertNil(phone.quotaBytes)
        XCTAssertNil(phone.rateBits)
        XCTAssertNil(peers.first { $0.publicKey == devices.keyC.base64 }?.state, "a peer without limits info has no state")

        let metrics = PrometheusRenderer.render(report)
        XCTAssertTrue(metrics.contains("tunnel_peer_state{interface=\"tun7\",public_key=\"\(offKey.base64)\",name=\"phone\",state=\"disabled\"} 1\n"), metrics)
        XCTAssertTrue(metrics.contains("name=\"phone\",state=\"active\"} 0\n"), metrics)
        XCTAssertTrue(metrics.contains("tunnel_peer_rate_bits{interface=\"tun7\",public_key=\"\(devices.b.publicKey.base64)\",name=\"laptop\"} 20000000\n"), metrics)
        XCTAssertTrue(metrics.contains("tunnel_peer_quota_bytes{"), metrics)
        XCTAssertFalse(metrics.contains("tunnel_peer_quota_bytes{interface=\"tun7\",public_key=\"\(offKey.base64)\""),
                       "no quota, no sample")
        let text = StatusTextRenderer(style: StatusStyle(colour: false)).render(report)
        XCTAssertTrue(text.contains("  state: disabled\n"), text)
        XCTAssertTrue(text.contains("  rate cap: 20mbit each way\n"), text)
        XCTAssertTrue(text.contains("  quota: 1.21 KiB of 46.57 GiB used\n"), text)
        XCTAssertTrue(text.contains("  expires: in 16 minutes, 40 seconds\n"), text)
    }
}
