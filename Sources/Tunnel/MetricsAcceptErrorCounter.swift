// On the metrics listener, behind NIO's AcceptBackoffHandler (which pauses accepting for
// a second after an accept error and then resumes): counts and logs accept errors. The
// listener stays open on them; out of descriptors (EMFILE) is a pause, never the end.
//
// Ownership: the metrics event loop.
import Logging
import NIOCore

final class MetricsAcceptErrorCounter: ChannelInboundHandler {
    typealias InboundIn = Channel
    typealias InboundOut = Channel

    private let tracker: MetricsConnectionTracker
    private let logger: Logger

    init(tracker: MetricsConnectionTracker, logger: Logger) {
        self.tracker = tracker
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        tracker.count(\.acceptErrors)
        let n = tracker.stats.acceptErrors
        // At most one a second (the backoff); logged on the first and every 60th.
        if n % 60 == 1 { logger.warning("metrics: accept failed (\(n) so far), retrying in 1 s: \(MetricsServer.describe(error))") }
    }
}
