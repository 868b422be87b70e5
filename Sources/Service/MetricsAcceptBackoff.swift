// On the metrics listener: when accept(2) fails (EMFILE, ENFILE, ENOBUFS, ...) the
// listener stops accepting for a second, then goes on; it is never closed for it. NIO
// keeps a listener open on these errors but, failing before it clears its pending read,
// would retry at once for as long as the error lasts (AcceptBackoffHandler never sees a
// read to delay), so the pause is done here by switching autoRead off, which takes the
// socket out of epoll, and on again. Connections wait in the backlog meanwhile.
//
// Ownership: the metrics event loop.
import Logging
import NIOCore

final class MetricsAcceptBackoff: ChannelInboundHandler {
    typealias InboundIn = Channel
    typealias InboundOut = Channel

    static let pauseSeconds: Int64 = 1

    private let tracker: MetricsConnectionTracker
    private let logger: Logger
    private var paused = false

    init(tracker: MetricsConnectionTracker, logger: Logger) {
        self.tracker = tracker
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard error is IOError else {
            context.fireErrorCaught(error)
            return
        }
        tracker.count(\.acceptErrors)
        let n = tracker.stats.acceptErrors
        // At most one a second; the first and every 60th are logged.
        if n % 60 == 1 {
            logger.warning("metrics: accept failed (\(n) so far), pausing \(Self.pauseSeconds) s: \(MetricsServer.describe(error))")
        }
        guard !paused else { return }
        paused = true
        let channel = context.channel
        _ = try? channel.syncOptions?.setOption(.autoRead, value: false)
        context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(Self.pauseSeconds)) { [self] in
            paused = false
            _ = try? channel.syncOptions?.setOption(.autoRead, value: true)
        }
    }
}
