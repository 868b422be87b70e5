// The control socket of a running tunnel: WireGuard's cross-platform userspace API on
// DIR/IFACE.sock, so `wg show`, `wg showconf`, `wg set` and `tunnel status` work on it.
//
// Ownership: the server has a serial queue of its own, the control queue (`queue`), which
// owns everything after `init`: accepting, every connection, the poll timer, and the
// building and writing of answers. It is not the reactor's queue, so a slow client or a
// large `get` answer never holds the data path; the handler hops onto the queue that
// owns the tunnel's state for as short a step as it can (UAPIHandler). The reactor's
// queue never waits for the control queue (close only schedules work on it), so the
// two cannot deadlock.
//
// Every request has an absolute deadline from the moment the server starts waiting for
// it (accept, or the previous answer sent): a client that trickles bytes is closed at the
// deadline however often it sends, and at the connection limit the client that has
// waited longest makes room for a new one, so slow clients cannot lock out `wg show`.
// Deleting the socket file is the spec's way to ask the process to exit; the poll timer
// notices and calls `onSocketRemoved`.
import Dispatch
import Reactor
#if canImport(Glibc)
import Glibc
#endif

public final class UAPIServer {
    public let interface: String
    public let socketPath: String
    /// Called once, on the control queue, when the socket file is deleted or replaced.
    public var onSocketRemoved: (() -> Void)?
    /// Called on the control queue with a line for the log (a rejected request and why).
    public var log: ((String) -> Void)?
    /// The control queue: owns every connection and the sources below.
    public let queue: DispatchQueue

    private weak var handler: UAPIHandler?
    private let limits: UAPILimits
    private let listenFD: Int32
    private let identity: (dev: UInt64, ino: UInt64)
    private var listenSource: DispatchSourceRead?
    private var pollTimer: DispatchSourceTimer?
    private var connections: [ObjectIdentifier: UAPIConnection] = [:]
    private let scratch: UnsafeMutableRawBufferPointer
    private var removalReported = false
    private var closed = false
    /// Monotonic nanoseconds: request deadlines are measured on it (tests inject their own).
    private let clock: () -> UInt64

    public static func monotonicNanoseconds() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    static let readChunkBytes = 16 * 1024
    static let listenBacklog: Int32 = 16
    static let directoryMode: mode_t = 0o755
    static let socketMode: mode_t = 0o600

    /// Opens the socket (replacing a stale one) and starts serving on a control queue of its
    /// own; the reactor's stop closes it. Call it off the reactor's queue, e.g. while setting
    /// up before `run()`.
    public init(interface: String, directory: String = UAPISocketPath.defaultDirectory, reactor: Reactor,
                handler: UAPIHandler, limits: UAPILimits = .standard,
                clock: @escaping () -> UInt64 = UAPIServer.monotonicNanoseconds) throws {
        guard UAPISocketPath.isValidInterfaceName(interface) else { throw UAPIServerError.invalidInterfaceName(interface) }
        let path = UAPISocketPath.path(interface: interface, directory: directory)
        guard UnixSocket.fits(path) else { throw UAPIServerError.pathTooLong(path) }
        try UAPIServer.prepareDirectory(directory)
        try UAPIServer.clearStaleSocket(path, interface: interface)
        let fd = try UAPIServer.listen(at: path, interface: interface)
        guard let identity = UnixSocket.identity(of: path) else {
            Glibc.close(fd)
            throw UAPIServerError.socketFailed(path: path, operation: "inspect", errno: errno)
        }
        self.interface = interface
        self.socketPath = path
        queue = DispatchQueue(label: "tunnel.control.\(interface)")
        self.handler = handler
        self.limits = limits
        self.clock = clock
        self.listenFD = fd
        self.identity = identity
        scratch = .allocate(byteCount: UAPIServer.readChunkBytes, alignment: 16)
        queue.setSpecific(key: UAPIServer.queueKey, value: ObjectIdentifier(self))
        startSources()
        reactor.onStop { [weak self] in self?.close() }
    }

    /// The owner should `close` first; this is the safety net (nothing else holds the
    /// server now, so no handler runs on the queue).
    deinit {
        closeOnQueue()
        scratch.deallocate()
    }

    /// Clients being served; from any queue but the control queue.
    public var connectionCount: Int { queue.sync { connections.count } }

    /// Stops serving, closes every connection and removes the socket file if it is still
    /// ours. Idempotent; from any queue: off the control queue it only schedules the work
    /// (the socket file goes at once), so the reactor's queue never waits for this one.
    public func close() {
        if DispatchQueue.getSpecific(key: UAPIServer.queueKey) == ObjectIdentifier(self) {
            closeOnQueue()
            return
        }
        removeSocketFile()
        queue.async { self.closeOnQueue() }
    }

    private func closeOnQueue() {
        guard !closed else { return }
        closed = true
        pollTimer?.cancel()
        listenSource?.cancel()
        for c in Array(connections.values) { c.close() }
        removeSocketFile()
    }

    private func removeSocketFile() {
        if let now = UnixSocket.identity(of: socketPath), now == identity { unlink(socketPath) }
    }

    // MARK: setup (caller's thread)

    private static func prepareDirectory(_ dir: String) throws {
        try UAPISocketDirectory.prepare(dir, mode: directoryMode)
    }

    /// A socket file nobody answers on is left from a crash and is replaced; a live one
    /// belongs to another tunnel on the same interface.
    private static func clearStaleSocket(_ path: String, interface: String) throws {
        guard let isSocket = UnixSocket.isSocket(path) else { return }
        guard isSocket else { throw UAPIServerError.notASocket(path) }
        switch UnixSocket.probe(path) {
        case .live: throw UAPIServerError.alreadyRunning(interface: interface, path: path)
        case .missing: return
        case .stale:
            guard unlink(path) == 0 || errno == ENOENT else {
                throw UAPIServerError.socketFailed(path: path, operation: "remove the stale", errno: errno)
            }
        case .failed(let e): throw UAPIServerError.socketFailed(path: path, operation: "probe", errno: e)
        }
    }

    private static func listen(at path: String, interface: String) throws -> Int32 {
        let fd = UnixSocket.makeStream(nonBlocking: true)
        guard fd >= 0 else { throw UAPIServerError.socketFailed(path: path, operation: "create", errno: errno) }
        // The umask keeps the file private from the moment it exists; chmod makes sure.
        let old = umask(0o077)
        let rc = UnixSocket.withAddress(path) { bind(fd, $0, $1) }
        let bindErrno = errno
        umask(old)
        guard rc == 0 else {
            Glibc.close(fd)
            if bindErrno == EADDRINUSE { throw UAPIServerError.alreadyRunning(interface: interface, path: path) }
            throw UAPIServerError.socketFailed(path: path, operation: "bind", errno: bindErrno)
        }
        guard chmod(path, socketMode) == 0, Glibc.listen(fd, listenBacklog) == 0 else {
            let e = errno
            Glibc.close(fd)
            unlink(path)
            throw UAPIServerError.socketFailed(path: path, operation: "listen on", errno: e)
        }
        return fd
    }

    private func startSources() {
        let source = DispatchSource.makeReadSource(fileDescriptor: listenFD, queue: queue)
        let fd = listenFD
        source.setEventHandler { [weak self] in self?.acceptAll() }
        source.setCancelHandler { _ = Glibc.close(fd) }
        listenSource = source
        source.resume()

        let timer = DispatchSource.makeTimerSource(queue: queue)
        let interval = DispatchTimeInterval.nanoseconds(Int(limits.pollIntervalSeconds * 1e9))
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(50))
        timer.setEventHandler { [weak self] in self?.poll() }
        pollTimer = timer
        timer.resume()
    }

    // MARK: serving (control queue)

    private func acceptAll() {
        while !closed {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                if errno != EAGAIN && errno != EWOULDBLOCK { report("accept failed: \(UnixSocket.errorText(errno))") }
                return
            }
            // accept4 is not visible to Swift's Glibc module; set the flags afterwards.
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            if connections.count >= limits.maxConnections { makeRoom() }
            let connection = UAPIConnection(
                fd: fd, queue: queue, limits: limits, clock: clock,
                answer: { [weak self] lines in self?.answer(lines) ?? UAPIResponseWriter.errnoResponseBytes(.closed) },
                log: { [weak self] message in self?.report("rejected a request: \(message)") },
                onClose: { [weak self] c in self?.connections[ObjectIdentifier(c)] = nil })
            connections[ObjectIdentifier(connection)] = connection
            connection.start(scratch: scratch)
        }
    }

    /// At the limit, the client that has waited longest for its request is closed: a
    /// legitimate one is answered in milliseconds, so it is a slow or stalled one.
    private func makeRoom() {
        guard let oldest = connections.values.min(by: { $0.requestStarted < $1.requestStarted }) else { return }
        report("\(limits.maxConnections) clients at once; closing the one that waited longest to make room")
        oldest.close()
    }

    /// Parses and answers on the control queue; only the handler's calls touch the tunnel.
    private func answer(_ lines: [[UInt8]]) -> [UInt8] {
        do {
            guard let handler else { throw UAPIError.closed }
            switch try UAPIRequest.parse(lines: lines) {
            case .get(let includeTunnelInfo):
                let snapshot = includeTunnelInfo ? handler.snapshot() : handler.plainSnapshot()
                return trimmingAfter(UAPIResponseWriter.getResponseBytes(snapshot, includeTunnelInfo: includeTunnelInfo))
            case .getPublic:
                return trimmingAfter(UAPIResponseWriter.getResponseBytes(handler.publicSnapshot(), includeTunnelInfo: true))
            case .set(let change):
                try handler.apply(change)
                return UAPIResponseWriter.errnoResponseBytes(nil)
            }
        } catch let error as UAPIError {
            report("rejected a request: \(error.message)")
            return UAPIResponseWriter.errnoResponseBytes(error)
        } catch {
            report("a set request failed: \(error)")
            return UAPIResponseWriter.errnoResponseBytes(UAPIError(errno: UAPIErrno.ioError, "\(error)"))
        }
    }

    /// The snapshot behind `answer` is freed by now.
    private func trimmingAfter(_ answer: [UInt8]) -> [UInt8] {
        HeapTrim.afterAnswer(ofBytes: answer.count)
        return answer
    }

    /// Closes every client whose request is past its deadline, however active it is; on
    /// the control queue, from the poll timer (or a test).
    func poll() {
        let now = clock()
        let allowed = UInt64(limits.requestDeadlineSeconds * 1e9)
        for c in Array(connections.values) where now - min(now, c.requestStarted) > allowed {
            c.close()
        }
        checkSocketFile()
    }

    private func checkSocketFile() {
        guard !removalReported else { return }
        if let now = UnixSocket.identity(of: socketPath), now == identity { return }
        removalReported = true
        report("control socket \(socketPath) was removed")
        onSocketRemoved?()
    }

    private func report(_ message: String) {
        log?("control socket \(interface): \(message)")
    }
}

extension UAPIServer {
    private static let queueKey = DispatchSpecificKey<ObjectIdentifier>()
}

extension UAPIError {
    static let closed = UAPIError(errno: UAPIErrno.ioError, "the interface is shutting down")
}
