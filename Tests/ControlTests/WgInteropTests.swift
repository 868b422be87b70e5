// Debian's wg(8) against the control server: `wg show`, `wg showconf` and `wg set` on a
// socket in the real /var/run/wireguard (wg looks nowhere else). The interface name is
// unique to this process, and the socket is removed afterwards. wg needs only the socket,
// no network interface. Skipped without wg or without root (failed under CI).
import TestSupport
import XCTest
import Foundation
@testable import Control

final class WgInteropTests: XCTestCase {
    private static let wgPath = "/usr/bin/wg"
    private var harness: ServerHarness!
    private let iface = "tctl\(getpid())"

    override func setUpWithError() throws {
        try Prerequisite.require(FileManager.default.isExecutableFile(atPath: WgInteropTests.wgPath), "wg is not installed")
        try Prerequisite.require(geteuid() == 0, "wg reads /var/run/wireguard, which needs root")
        harness = try ServerHarness(interface: iface, directory: UAPISocketPath.defaultDirectory)
    }

    override func tearDown() {
        harness?.stop()
        if let harness { XCTAssertFalse(FileManager.default.fileExists(atPath: harness.server.socketPath)) }
    }

    private func wg(_ arguments: String...) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: WgInteropTests.wgPath)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    private func base64(_ key: UAPIKey) -> String { Data(key.bytes).base64EncodedString() }

    func testWgShowListsInterfaceAndPeers() throws {
        let (status, output) = try wg("show", iface)
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("interface: \(iface)"), output)
        XCTAssertTrue(output.contains("listening port: 51820"), output)
        XCTAssertTrue(output.contains("peer: \(base64(ControlFixtures.peerA))"), output)
        XCTAssertTrue(output.contains("endpoint: 192.0.2.7:51821"), output)
        XCTAssertTrue(output.contains("allowed ips: 100.64.0.2/32, 2001:db8::2/128"), output)
        XCTAssertTrue(output.contains("transfer: 1000 B received, 1.95 KiB sent"), output)
        XCTAssertTrue(output.contains("peer: \(base64(ControlFixtures.peerB))"), output)
        XCTAssertTrue(output.contains("endpoint: [2001:db8::9]:4000"), output)
        XCTAssertTrue(try wg("show", "interfaces").output.contains(iface))
    }

    func testWgShowconfWritesTheConfig() throws {
        let (status, output) = try wg("showconf", iface)
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("PrivateKey = \(base64(ControlFixtures.privateKey))"), output)
        XCTAssertTrue(output.contains("ListenPort = 51820"), output)
        XCTAssertTrue(output.contains("FwMark = 0x42"), output)
        XCTAssertTrue(output.contains("PublicKey = \(base64(ControlFixtures.peerA))"), output)
        XCTAssertTrue(output.contains("PresharedKey = \(base64(ControlFixtures.psk))"), output)
        XCTAssertTrue(output.contains("PersistentKeepalive = 25"), output)
        XCTAssertTrue(output.contains("AllowedIPs = 100.64.0.3/32"), output)
    }

    func testWgSetArrivesAsTheRightChange() throws {
        let key = base64(ControlFixtures.peerA)
        XCTAssertEqual(try wg("set", iface, "peer", key, "allowed-ips", "100.64.0.9/32").status, 0)
        XCTAssertEqual(try wg("set", iface, "peer", base64(ControlFixtures.peerB), "remove").status, 0)
        XCTAssertEqual(harness.handler.changes, [
            UAPIConfigurationChange(peers: [UAPIPeerChange(publicKey: ControlFixtures.peerA, replaceAllowedIPs: true,
                                                           allowedIPs: [ControlFixtures.prefix("100.64.0.9/32")])]),
            UAPIConfigurationChange(peers: [UAPIPeerChange(publicKey: ControlFixtures.peerB, remove: true)]),
        ])
    }

    func testWgSetFailureShowsTheErrno() throws {
        harness.handler.failure = UAPIError(errno: EINVAL, "refused")
        let (status, output) = try wg("set", iface, "listen-port", "1")
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("Invalid argument"), output)
    }
}
