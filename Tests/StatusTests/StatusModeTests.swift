// StatusMode.read over a real control socket in a temporary directory: the bridge served
// by UAPIServer on a reactor, read back by the status client into a report.
import Control
import Foundation
import Reactor
import TestSupport
import XCTest
@testable import Status
@testable import WireGuard

final class StatusModeTests: XCTestCase {
    var directory: String!
    let reactor = Reactor(label: "status.test")
    var devices: InMemoryDevices!
    var bridge: UAPIBridge!
    var server: UAPIServer!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "status-\(getpid())-\(UUID().uuidString.prefix(8))"
        let reactor = self.reactor
        Thread { reactor.run() }.start()
        devices = InMemoryDevices()
        bridge = UAPIBridge(device: devices.a, listenPort: { 51820 }, info: {
            TunnelStatusInfo(name: "tun7", role: .client, addresses: [prefix("100.64.0.1/32")])
        }, now: { 0 })
        server = try UAPIServer(interface: "tun7", directory: directory, reactor: reactor, handler: bridge)
    }

    override func tearDown() {
        let done = DispatchSemaphore(value: 0)
        reactor.onStop { done.signal() }
        reactor.stop()
        _ = done.wait(timeout: .now() + 10)
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testReadsEveryRunningTunnel() throws {
        let report = try StatusMode.read(StatusOptions(directory: directory))
        XCTAssertEqual(report.interfaces.map(\.name), ["tun7"])
        XCTAssertEqual(report.interfaces[0].role, "client")
        XCTAssertEqual(report.interfaces[0].peers.count, 2)
        XCTAssertEqual(report.interfaces[0].peers[0].name, "laptop")
        XCTAssertEqual(report.interfaces[0].publicKey, devices.a.publicKey.base64)
    }

    func testReadsOneByName() throws {
        XCTAssertEqual(try StatusMode.read(StatusOptions(interface: "tun7", directory: directory)).interfaces.count, 1)
        XCTAssertThrowsError(try StatusMode.read(StatusOptions(interface: "tun8", directory: directory))) { error in
            guard case .unreadable(.noSuchInterface)? = error as? StatusError else { return XCTFail("\(error)") }
        }
    }

    func testNothingRunning() throws {
        let empty = directory + "-empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        XCTAssertThrowsError(try StatusMode.read(StatusOptions(directory: empty))) { error in
            XCTAssertEqual(error as? StatusError, .noTunnelRunning)
            XCTAssertEqual("\(error)", "no tunnel is running")
        }
    }

    func testWgSetThroughTheSocketReachesTheDevice() throws {
        let client = try UAPIClient(interface: "tun7", directory: directory)
        try client.set(UAPIConfigurationChange(peers: [UAPIPeerChange(publicKey: UAPIKey(devices.keyC), remove: true)]))
        XCTAssertEqual(try StatusMode.read(StatusOptions(directory: directory)).interfaces[0].peers.count, 1)
        XCTAssertThrowsError(try client.set(UAPIConfigurationChange(listenPort: 1))) { error in
            XCTAssertEqual(error as? UAPIClientError, .rejected(path: client.socketPath, errno: EOPNOTSUPP))
        }
    }
}
