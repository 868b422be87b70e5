// `tunnel server|client --metrics ADDR:PORT`: GET /metrics in the Prometheus text format,
// over FlyingFox's HTTP server (no HTTP parsing of our own). The server runs on Swift
// concurrency's threads, never on the reactor's queue: each scrape reads the tunnel's own
// control socket, exactly as `tunnel status --prometheus` does, and the control server
// answers it on the reactor's queue between packets. Off unless asked for; bind it to
// 127.0.0.1 or a management address (Docs/operations.md).
import Addresses
import Control
import Dispatch
import FlyingFox
import FlyingSocks
import Foundation
import Logging
import Reactor
import Status

public final class MetricsServer: Sendable {
    public static let path = "/metrics"
    /// How long `start` waits for the socket to be bound before giving up.
    static let startTimeoutSeconds = 5.0
    /// A scrape waits at most this long for the control socket.
    static let controlTimeoutSeconds = 2.0
    static let idleConnectionTimeoutSeconds = 15.0

    let http: HTTPServer

    private init(http: HTTPServer) { self.http = http }

    /// Binds `listen` and serves until the process exits; throws when the address cannot
    /// be bound (in use, not local). `interface` names the control socket to read.
    public static func start(listen: Endpoint, interface: String, logger: Logger,
                             directory: String = UAPISocketPath.defaultDirectory) throws -> MetricsServer {
        let http = HTTPServer(address: try socketAddress(listen), timeout: idleConnectionTimeoutSeconds,
                              logger: MetricsServerLog(logger: logger))
        let server = MetricsServer(http: http)
        let outcome = StartOutcome()
        Task {
            await http.appendRoute(HTTPRoute("GET \(path)")) { _ in
                await scrape(interface: interface, directory: directory)
            }
            do {
                async let running: Void = http.run()
                try await http.waitUntilListening(timeout: startTimeoutSeconds)
                outcome.finish(nil)
                try await running
            } catch {
                outcome.finish(error)
            }
        }
        if let error = outcome.wait(seconds: startTimeoutSeconds) {
            throw MetricsServerError.cannotListen(address: "\(listen)", reason: "\(error)")
        }
        logger.info("metrics on http://\(listen)\(path)")
        return server
    }

    /// The control socket is read off the cooperative pool (it blocks, briefly).
    private static func scrape(interface: String, directory: String) async -> HTTPResponse {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: response(interface: interface, directory: directory))
            }
        }
    }

    static func response(interface: String, directory: String) -> HTTPResponse {
        do {
            let client = try UAPIClient(interface: interface, directory: directory, timeoutSeconds: controlTimeoutSeconds)
            let status = InterfaceStatus(interface: interface, snapshot: try client.getWithTunnelInfo())
            let report = StatusReport(time: Int64(SystemClock.wallClock().seconds), interfaces: [status])
            return HTTPResponse(statusCode: .ok, headers: [.contentType: PrometheusRenderer.contentType],
                                body: Data(PrometheusRenderer.render(report).utf8))
        } catch {
            return HTTPResponse(statusCode: .internalServerError, headers: [.contentType: "text/plain; charset=utf-8"],
                                body: Data("cannot read \(interface)'s control socket: \(error)\n".utf8))
        }
    }

    static func socketAddress(_ e: Endpoint) throws -> any FlyingSocks.SocketAddress {
        switch e.address {
        case .v4: return try sockaddr_in.inet(ip4: e.address.description, port: e.port)
        case .v6: return try sockaddr_in6.inet6(ip6: e.address.description, port: e.port)
        }
    }
}

/// The first of "listening" or "failed", handed from the server's task to `start`.
private final class StartOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)
    private var finished = false
    private var error: Error?

    func finish(_ error: Error?) {
        lock.lock()
        defer { lock.unlock() }
        guard !finished else { return }
        finished = true
        self.error = error
        done.signal()
    }

    /// The error, or nil once listening; a timeout counts as an error.
    func wait(seconds: Double) -> Error? {
        guard done.wait(timeout: .now() + seconds) == .success else {
            return MetricsServerError.notListening(afterSeconds: seconds)
        }
        lock.lock()
        defer { lock.unlock() }
        return error
    }
}

/// FlyingFox's own messages: failures go to our log, the chatter (each connection) to debug.
private struct MetricsServerLog: FlyingSocks.Logging {
    let logger: Logger

    func logDebug(_ debug: @autoclosure () -> String) { logger.trace("metrics: \(debug())") }
    func logInfo(_ info: @autoclosure () -> String) { logger.debug("metrics: \(info())") }
    func logWarning(_ warning: @autoclosure () -> String) { logger.warning("metrics: \(warning())") }
    func logError(_ error: @autoclosure () -> String) { logger.error("metrics: \(error())") }
    func logCritical(_ critical: @autoclosure () -> String) { logger.critical("metrics: \(critical())") }
}
