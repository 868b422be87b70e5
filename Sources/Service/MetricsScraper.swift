// Runs scrapes on a thread of their own at background priority, one at a time: requests
// that arrive while a scrape runs share its result. However many clients ask, the data
// path answers at most one control-socket snapshot at a time for the endpoint.
//
// Ownership: `waiting` belongs to the metrics event loop; `scrape` runs on the pool's
// single thread.
import NIOCore
import NIOPosix

final class MetricsScraper: @unchecked Sendable {
    private let eventLoop: EventLoop
    private let pool: NIOThreadPool
    private let scrape: @Sendable () -> MetricsResponse
    private var waiting: [EventLoopPromise<MetricsResponse>] = []

    init(eventLoop: EventLoop, pool: NIOThreadPool, scrape: @escaping @Sendable () -> MetricsResponse) {
        self.eventLoop = eventLoop
        self.pool = pool
        self.scrape = scrape
    }

    /// The next scrape's answer, on `loop` (the metrics event loop).
    func response(on loop: EventLoop) -> EventLoopFuture<MetricsResponse> {
        eventLoop.preconditionInEventLoop()
        let promise = loop.makePromise(of: MetricsResponse.self)
        waiting.append(promise)
        if waiting.count == 1 {
            pool.runIfActive(eventLoop: eventLoop, scrape).assumeIsolated().whenComplete { [self] result in
                let promises = waiting
                waiting = []
                for p in promises { p.completeWith(result) }
            }
        }
        return promise.futureResult
    }
}
