// `tunnel server|client --metrics ADDR:PORT`: GET /metrics in the Prometheus text format,
// over SwiftNIO's HTTP/1 codec (no HTTP parsing of our own). Everything runs on two
// threads of its own at nice 19 (ThreadPriority): one event loop for the sockets and one
// thread for scrapes, so no client can take CPU from the data path. Each connection is
// bounded (MetricsLimits: bytes, deadlines, a connection cap) and answers one request;
// accept errors pause the listener, never close it. Each scrape reads the tunnel's own
// control socket with `get=public`, so no private or preshared key is read for it, and
// the control server answers it on the reactor's queue between packets. Off unless asked
// for; bind it to 127.0.0.1 or a management address (Docs/operations.md).
//
// Ownership: the fields are set once in `start`; the connection state behind them
// belongs to the event loop (MetricsConnectionTracker and the handlers).
import Addresses
import Control
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Reactor
import Status

public final class MetricsServer: @unchecked Sendable {
    public static let path = "/metrics"
    /// A scrape waits at most this long for the control socket.
    static let controlTimeoutSeconds = 2.0

    /// Servers run until `close` or the process exits; the modes drop what `start` returns,
    /// and a NIOThreadPool must not be released while it runs. Guarded by `runningLock`.
    private static var running: [ObjectIdentifier: MetricsServer] = [:]
    private static let runningLock = NSLock()

    let group: MultiThreadedEventLoopGroup
    let pool: NIOThreadPool
    let channel: Channel
    let tracker: MetricsConnectionTracker
    /// The bound port (what the kernel chose, when asked for port 0).
    public let localPort: Int

    private init(group: MultiThreadedEventLoopGroup, pool: NIOThreadPool, channel: Channel,
                 tracker: MetricsConnectionTracker) {
        self.group = group
        self.pool = pool
        self.channel = channel
        self.tracker = tracker
        self.localPort = channel.localAddress?.port ?? 0
    }

    /// Binds `listen` and serves until the process exits; throws at once, with one line
    /// naming the address, when it cannot be bound (in use, not local). `interface` names
    /// the control socket to read.
    @discardableResult
    public static func start(listen: Endpoint, interface: String, logger: Logger,
                             directory: String = UAPISocketPath.defaultDirectory) throws -> MetricsServer {
        let server = try start(listen: listen, limits: .standard, logger: logger) {
            response(interface: interface, directory: directory)
        }
        logger.info("metrics on http://\(listen)\(path)")
        return server
    }

    /// `scrape` builds each answer on the scrape thread.
    static func start(listen: Endpoint, limits: MetricsLimits, logger: Logger,
                      scrape: @escaping @Sendable () -> MetricsResponse) throws -> MetricsServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let loop = group.next()
        do {
            _ = try loop.submit { ThreadPriority.lowerCurrentThread() }.wait()
            _ = try pool.runIfActive(eventLoop: loop) { ThreadPriority.lowerCurrentThread() }.wait()
            let tracker = MetricsConnectionTracker(eventLoop: loop, maxConnections: limits.maxConnections)
            let scraper = MetricsScraper(eventLoop: loop, pool: pool, scrape: scrape)
            let channel = try bootstrap(group: group, limits: limits, tracker: tracker, scraper: scraper, logger: logger)
                .bind(to: NIOCore.SocketAddress(ipAddress: listen.address.description, port: Int(listen.port))).wait()
            let server = MetricsServer(group: group, pool: pool, channel: channel, tracker: tracker)
            runningLock.withLock { running[ObjectIdentifier(server)] = server }
            return server
        } catch {
            try? pool.syncShutdownGracefully()
            try? group.syncShutdownGracefully()
            throw MetricsServerError.cannotListen(address: "\(listen)", reason: describe(error))
        }
    }

    private static func bootstrap(group: EventLoopGroup, limits: MetricsLimits, tracker: MetricsConnectionTracker,
                                  scraper: MetricsScraper, logger: Logger) -> ServerBootstrap {
        var decoderLimits = NIOHTTPDecoderLimitConfiguration()
        decoderLimits.maxHeaderFieldSize = limits.maxRequestBytes
        decoderLimits.maxHeaderListSize = limits.maxRequestBytes
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: limits.backlog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { server in
                server.eventLoop.makeCompletedFuture {
                    try server.pipeline.syncOperations.addHandler(MetricsAcceptBackoff(tracker: tracker, logger: logger))
                }
            }
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    guard tracker.admit(child) else {
                        child.close(promise: nil)
                        return
                    }
                    let requestGuard = MetricsRequestGuard(limits: limits, tracker: tracker)
                    let handlers = child.pipeline.syncOperations
                    try handlers.addHandler(requestGuard)
                    try handlers.addHandler(ByteToMessageHandler(
                        HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes, informationalResponseStrategy: .drop,
                                           limitConfiguration: decoderLimits)))
                    try handlers.addHandler(HTTPResponseEncoder())
                    try handlers.addHandler(MetricsRequestHandler(requestGuard: requestGuard, tracker: tracker,
                                                                  scraper: scraper))
                }
            }
    }

    /// What the endpoint has done so far (read on its event loop).
    public func stats() throws -> MetricsServerStats {
        try channel.eventLoop.submit { [tracker] in tracker.stats }.wait()
    }

    /// The nice values of the event loop's and the scrape thread's (for tests).
    func threadNiceValues() throws -> (eventLoop: Int32, scrape: Int32) {
        let loop = channel.eventLoop
        return (try loop.submit { ThreadPriority.currentThreadNice() }.wait(),
                try pool.runIfActive(eventLoop: loop) { ThreadPriority.currentThreadNice() }.wait())
    }

    /// Stops listening, closes every connection and ends both threads.
    public func close() {
        _ = MetricsServer.runningLock.withLock { MetricsServer.running.removeValue(forKey: ObjectIdentifier(self)) }
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
        try? pool.syncShutdownGracefully()
    }

    static func response(interface: String, directory: String) -> MetricsResponse {
        do {
            let client = try UAPIClient(interface: interface, directory: directory, timeoutSeconds: controlTimeoutSeconds)
            let status = InterfaceStatus(interface: interface, snapshot: try client.getPublic())
            let report = StatusReport(time: Int64(SystemClock.wallClock().seconds), interfaces: [status])
            return MetricsResponse(status: 200, contentType: PrometheusRenderer.contentType,
                                   body: PrometheusRenderer.render(report))
        } catch {
            return .text(500, "cannot read \(interface)'s control socket: \(error)\n")
        }
    }

    /// One line for an error: an IOError as its errno's text, without NIO's call name.
    static func describe(_ error: Error) -> String {
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        return "\(error)".replacingOccurrences(of: "\n", with: " ")
    }
}
