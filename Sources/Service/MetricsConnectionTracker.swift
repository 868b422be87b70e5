// Counts the metrics endpoint's connections and enforces the cap. At the cap a new
// connection is still accepted (the backlog keeps draining and the listener never
// stalls) and room is made by closing the oldest connection that has not finished its
// request: idle or trickling clients are the ones pushed out, a scraper that sends its
// GET at once is not.
//
// Ownership: the metrics event loop (one thread); every method runs there.
import NIOCore

final class MetricsConnectionTracker: @unchecked Sendable {
    let eventLoop: EventLoop
    let maxConnections: Int
    private(set) var stats = MetricsServerStats()
    /// Connections still waiting for their request, with the order they came in.
    private var waiting: [ObjectIdentifier: (order: UInt64, channel: Channel)] = [:]
    /// Connections whose request is being answered: never evicted, they end by themselves.
    private var answering: Set<ObjectIdentifier> = []
    private var nextOrder: UInt64 = 0

    init(eventLoop: EventLoop, maxConnections: Int) {
        self.eventLoop = eventLoop
        self.maxConnections = max(1, maxConnections)
    }

    var openConnections: Int { waiting.count + answering.count }

    /// A new connection; false when it must be closed unserved.
    func admit(_ channel: Channel) -> Bool {
        eventLoop.preconditionInEventLoop()
        stats.accepted += 1
        if openConnections >= maxConnections {
            guard let oldest = waiting.min(by: { $0.value.order < $1.value.order }) else {
                stats.refused += 1
                return false
            }
            waiting[oldest.key] = nil
            stats.evicted += 1
            oldest.value.channel.close(promise: nil)
        }
        let id = ObjectIdentifier(channel)
        waiting[id] = (nextOrder, channel)
        nextOrder += 1
        channel.closeFuture.hop(to: eventLoop).whenComplete { [self] _ in
            waiting[id] = nil
            answering.remove(id)
        }
        return true
    }

    /// The connection's request is complete: it is answered, not evicted.
    func startAnswering(_ channel: Channel) {
        let id = ObjectIdentifier(channel)
        if waiting.removeValue(forKey: id) != nil { answering.insert(id) }
    }

    func count(_ event: WritableKeyPath<MetricsServerStats, Int>) {
        eventLoop.preconditionInEventLoop()
        stats[keyPath: event] += 1
    }
}
