// Reactor module: the event loop at the edge of the program. File descriptors (TUN,
// UDP, raw sockets) are watched by a thread of their own (ReadinessLoop) that runs
// their handlers on the queue, protocol timers become Dispatch timer sources, and SIGINT/SIGTERM/SIGHUP become a clean stop that runs
// cleanup; a fatal signal someone sent becomes the same stop, then that signal again
// (FatalSignals).
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
    /// Made with the first reader.
    private var readiness: ReadinessLoop?
    private var cleanups: [() -> Void] = []
    private let stopped = DispatchSemaphore(value: 0)
    /// Signalled with `stopped`, for the fatal-signal watch (which waits with a deadline).
    private let cleanedUp = DispatchSemaphore(value: 0)
    private var stopping = false
    public private(set) var exitSignal: Int32?
    /// Set when a fatal signal someone sent stopped the reactor: `run`'s caller ends the
    /// process with it (`endIfStoppedByFatalSignal`).
    public private(set) var fatalSignal: Int32?
    /// The watch for fatal signals lives on a queue of its own, never the reactor's:
    /// it must act even when the reactor's queue is stuck.
    private var fatalSignalWatch: DispatchSourceRead?

    public init(label: String = "tunnel.reactor") {
        queue = DispatchQueue(label: label)
        // Set before any handler can run, so `perform` inside one never waits on itself.
        queue.setSpecific(key: Reactor.queueKey, value: ObjectIdentifier(self))
    }

    /// Calls `handler` on the queue whenever `fd` is readable. The handler reads until
    /// EAGAIN or a batch's bound; with data left it is called again, after the other
    /// readers had a turn. Call before `run`, or on the queue.
    public func addReader(fd: Int32, _ handler: @escaping () -> Void) throws(ReactorError) {
        if readiness == nil { readiness = try ReadinessLoop(queue: queue) }
        try readiness?.add(fd: fd, handler)
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

    /// Stops the reactor on SIGINT, SIGTERM and SIGHUP (a closed terminal ends the tunnel
    /// like Ctrl-C; the three are no longer fatal), and on a fatal signal someone sent
    /// (see FatalSignals), after which `endIfStoppedByFatalSignal` raises it again.
    public func stopOnSignals() {
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { [weak self] in
                self?.exitSignal = sig
                self?.stop()
            }
            source.resume()
            sources.append(source)
        }
        watchFatalSignals()
    }

    /// A self-pipe: the C handler writes the signal's number, a read source on a queue of
    /// its own starts the stop and gives it `FatalSignals.stopGrace` to finish.
    private func watchFatalSignals() {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            // No way to hear of them: the default action at once is still better than a
            // handler that never returns (the Swift runtime's backtracer waits).
            FatalSignals.install(notifyFD: -1)
            return
        }
        // Non-blocking: the handler must never wait on a full pipe. Close-on-exec: not
        // for anything else to inherit.
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        let readEnd = fds[0]
        let watch = DispatchSource.makeReadSource(fileDescriptor: readEnd,
                                                  queue: DispatchQueue(label: queue.label + ".fatal-signals"))
        watch.setEventHandler { [weak self] in
            var byte: UInt8 = 0
            guard read(readEnd, &byte, 1) == 1 else { return }
            let sig = Int32(byte)
            guard let self else { FatalSignals.raiseDefault(sig) }
            self.stop(fatalSignal: sig)
            if self.cleanedUp.wait(timeout: .now() + FatalSignals.stopGrace) == .timedOut {
                FatalSignals.raiseDefault(sig)
            }
        }
        watch.resume()
        fatalSignalWatch = watch
        FatalSignals.install(notifyFD: fds[1])
    }

    /// Call after `run` returns: if a fatal signal stopped the reactor, ends the process
    /// with that signal's default action, now that cleanup has run.
    public func endIfStoppedByFatalSignal() {
        if let sig = fatalSignal { FatalSignals.raiseDefault(sig) }
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
        stopped.wait()
    }

    /// Cancels every source, runs cleanup on the queue, and lets `run` return. Idempotent.
    public func stop() { stop(fatalSignal: nil) }

    private func stop(fatalSignal sig: Int32?) {
        queue.async { [self] in
            // A fatal signal during a stop that is already running still ends the process by it.
            if let sig, fatalSignal == nil {
                fatalSignal = sig
                exitSignal = sig
            }
            guard !stopping else { return }
            stopping = true
            for s in sources { s.cancel() }
            sources.removeAll()
            readiness?.stop()
            for c in cleanups.reversed() { c() }
            cleanups.removeAll()
            stopped.signal()
            cleanedUp.signal()
        }
    }

    /// After `stop`: true once the readers' thread has ended, so that no reader's handler
    /// can run any more; false at the deadline. Not on the reactor's queue.
    public func waitUntilReadersEnded(deadline: DispatchTime) -> Bool {
        let loop = queue.sync { readiness }
        return loop?.waitUntilEnded(deadline: deadline) ?? true
    }

    private func forget(_ source: DispatchSourceProtocol) {
        sources.removeAll { ($0 as AnyObject) === (source as AnyObject) }
    }

    private static let queueKey = DispatchSpecificKey<ObjectIdentifier>()
}
