// What one scrape asks of the tunnel: the secret-free `get=public` over the control
// socket, never the snapshot that carries the private key, rendered as Prometheus text
// with the public key the tunnel reported.
import Addresses
import Control
import Foundation
import Reactor
import XCTest
@testable import Service
import Status

final class MetricsScrapeTests: XCTestCase {
    /// Counts which snapshot the control server asked for.
    final class CountingHandler: UAPIHandler, @unchecked Sendable {
        private let lock = NSLock()
        private var secret = 0, publicOnes = 0
        let device: UAPIDeviceSnapshot

        init(device: UAPIDeviceSnapshot) { self.device = device }

        var counts: (secret: Int, public: Int) { lock.withLock { (secret, publicOnes) } }

        func snapshot() -> UAPIDeviceSnapshot {
            lock.withLock { secret += 1 }
            return device
        }

        func publicSnapshot() -> UAPIDeviceSnapshot {
            lock.withLock { publicOnes += 1 }
            var s = device
            s.privateKey = nil
            return s
        }

        func apply(_ change: UAPIConfigurationChange) throws {}
    }

    func testScrapeAsksForThePublicSnapshotOnly() throws {
        let publicKey = UAPIKey(bytes: [UInt8](repeating: 0x33, count: 32))!
        let device = UAPIDeviceSnapshot(privateKey: UAPIKey(bytes: [UInt8](repeating: 0x11, count: 32)), listenPort: 51820,
                                        tunnel: UAPITunnelInfo(name: "mtest0", role: "server", publicKey: publicKey))
        let handler = CountingHandler(device: device)
        let directory = NSTemporaryDirectory() + "metrics-scrape-\(getpid())-\(UUID().uuidString.prefix(8))"
        let reactor = Reactor(label: "metrics.scrape.test")
        let stopped = DispatchSemaphore(value: 0)
        reactor.onStop { stopped.signal() }
        Thread { reactor.run() }.start()
        let server = try UAPIServer(interface: "mtest0", directory: directory, reactor: reactor, handler: handler)
        defer {
            reactor.stop()
            _ = stopped.wait(timeout: .now() + 10)
            try? FileManager.default.removeItem(atPath: directory)
        }
        XCTAssertEqual(server.interface, "mtest0")

        let response = MetricsServer.response(interface: "mtest0", directory: directory)
        XCTAssertEqual(response.status, 200, response.body)
        XCTAssertEqual(response.contentType, PrometheusRenderer.contentType)
        let base64 = Data(repeating: 0x33, count: 32).base64EncodedString()
        XCTAssertTrue(response.body.contains("tunnel_interface_info{interface=\"mtest0\",role=\"server\",public_key=\"\(base64)\"} 1"),
                      response.body)
        XCTAssertEqual(handler.counts.secret, 0, "the snapshot with the private key was never built")
        XCTAssertEqual(handler.counts.public, 1)
    }
}
