// Reactor module: the event loop at the edge of the program. File descriptors (TUN,
// UDP, raw, control sockets) become Dispatch read sources, protocol timers become
// Dispatch timer sources, and SIGINT/SIGTERM become a clean stop that runs cleanup.
//
// Ownership: every handler registered here runs on `queue`, one serial queue. All
// state the handlers touch (peers, sessions, NAT table, buffer pools) is owned by
// that queue and must only be touched from it; code outside calls `perform` to hop on.
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

public final class Reactor: @unchecked Sendable {
    /// The one serial queue that owns all state driven by this reactor.
    public let queue: DispatchQueue
    private var sources: [DispatchSourceProtocol] = []
    private var cleanups: [() -> Void] = []
    private let stopped = DispatchSemaphore(value: 0)
    private var stopping = false
    public private(set) var exitSignal: Int32?

    public init(label: String = "tunnel.reactor") {
        queue = DispatchQueue(label: label)
    }

    /// Calls `handler` on the queue whenever `fd` is readable. The handler should read
    /// until EAGAIN: the source fires again only for new data.
    @discardableResult
    public func addReader(fd: Int32, _ handler: @escaping () -> Void) -> DispatchSourceRead {
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler(handler: handler)
        source.resume()
        sources.append(source)
        return source
    }

    /// Calls `handler` on the queue every `interval`, first after `interval`.
    @discardableResult
    public func addRepeatingTimer(interval: DispatchTimeInterval, leeway: DispatchTimeInterval = .milliseconds(10),
                                  _ handler: @escaping () -> Void) -> DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: leeway)
        timer.setEventHandler(handler: handler)
        timer.resume()
        sources.append(timer)
        return timer
    }

    /// Calls `handler` after the returned source is signalled (`add(data: 1)`), once for
    /// all the signals that came before it ran. It runs on a queue of its own, `label`,
    /// which targets the reactor's queue: it shares the reactor's state and never runs at
    /// the same time as the other handlers, but waits its turn behind them, so work
    /// queued there cannot hold up the read sources for long.
    @discardableResult
    public func addWakeup(label: String, _ handler: @escaping () -> Void) -> DispatchSourceUserDataAdd {
        let source = DispatchSource.makeUserDataAddSource(queue: DispatchQueue(label: label, target: queue))
        source.setEventHandler(handler: handler)
        source.resume()
        sources.append(source)
        return source
    }

    /// Calls `handler` once on the queue after `delay`.
    @discardableResult
    public func addOneShotTimer(after delay: DispatchTimeInterval, _ handler: @escaping () -> Void) -> DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + delay, leeway: .milliseconds(1))
        // The handler holds the timer until it fires; cancelling releases the handler.
        timer.setEventHandler { [weak self] in
            handler()
            timer.cancel()
            self?.forget(timer)
        }
        timer.resume()
        sources.append(timer)
        return timer
    }

    /// Stops the reactor on SIGINT and SIGTERM (the signals are no longer fatal).
    public func stopOnTerminationSignals() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { [weak self] in
                self?.exitSignal = sig
                self?.stop()
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Registers work to run on the queue when the reactor stops, last registered first.
    public func onStop(_ cleanup: @escaping () -> Void) {
        perform { self.cleanups.append(cleanup) }
    }

    /// Runs `body` on the queue, waiting for it unless already on it.
    public func perform(_ body: () -> Void) {
        if DispatchQueue.getSpecific(key: Reactor.queueKey) == ObjectIdentifier(self) {
            body()
        } else {
            queue.sync(execute: body)
        }
    }

    /// Blocks the calling thread (normally the main thread) until `stop` is called.
    public func run() {
        queue.setSpecific(key: Reactor.queueKey, value: ObjectIdentifier(self))
        stopped.wait()
    }

    /// Cancels every source, runs cleanup on the queue, and lets `run` return. Idempotent.
    public func stop() {
        queue.async { [self] in
            guard !stopping else { return }
            stopping = true
            for s in sources { s.cancel() }
            sources.removeAll()
            for c in cleanups.reversed() { c() }
            cleanups.removeAll()
            stopped.signal()
        }
    }

    private func forget(_ source: DispatchSourceProtocol) {
        sources.removeAll { ($0 as AnyObject) === (source as AnyObject) }
    }

    private static let queueKey = DispatchSpecificKey<ObjectIdentifier>()
}
