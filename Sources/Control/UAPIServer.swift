// The control socket of a running tunnel: WireGuard's cross-platform userspace API on
// DIR/IFACE.sock, so `wg show`, `wg showconf`, `wg set` and `tunnel status` work on it.
//
// Ownership: everything after `init` runs on the reactor's queue: accepting, every
// connection, the handler calls, the poll timer. `close` must be called on that queue
// (the reactor's stop does it). Deleting the socket file is the spec's way to ask the
// process to exit; the poll timer notices and calls `onSocketRemoved`.
import Dispatch
import Reactor
#if canImport(Glibc)
import Glibc
#endif

public final class UAPIServer {
    public let interface: String
    public let socketPath: String
    /// Called once, on the queue, when the socket file is deleted or replaced.
    public var onSocketRemoved: (() -> Void)?
    /// Called on the queue with a line for the log (a rejected request and why).
    public var log: ((String) -> Void)?

    private let reactor: Reactor
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

    static let readChunkBytes = 16 * 1024
    static let listenBacklog: Int32 = 16
    static let directoryMode: mode_t = 0o755
    static let socketMode: mode_t = 0o600

    /// Opens the socket (replacing a stale one) and starts serving on the reactor's queue.
    /// Call it off that queue, e.g. while setting up before `run()`.
    public init(interface: String, directory: String = UAPISocketPath.defaultDirectory, reactor: Reactor,
                handler: UAPIHandler, limits: UAPILimits = .standard) throws {
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
        self.reactor = reactor
        self.handler = handler
        self.limits = limits
        self.listenFD = fd
        self.identity = identity
        scratch = .allocate(byteCount: UAPIServer.readChunkBytes, alignment: 16)
        startSources()
        reactor.onStop { [weak self] in self?.close() }
    }

    /// The owner should `close` on the queue first; this is the safety net.
    deinit {
        close()
        scratch.deallocate()
    }

    /// Clients being served (on the queue).
    public var connectionCount: Int { connections.count }

    /// Stops serving, closes every connection and removes the socket file if it is still
    /// ours. Idempotent; on the reactor's queue.
    public func close() {
        guard !closed else { return }
        closed = true
        pollTimer?.cancel()
        listenSource?.cancel()
        for c in Array(connections.values) { c.close() }
        if let now = UnixSocket.identity(of: socketPath), now == identity { unlink(socketPath) }
    }

    // MARK: setup (caller's thread)

    private static func prepareDirectory(_ dir: String) throws {
        if mkdir(dir, directoryMode) == 0 { return }
        let e = errno
        var st = stat()
        guard e == EEXIST, stat(dir, &st) == 0 else { throw UAPIServerError.directoryUnusable(dir, errno: e) }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { throw UAPIServerError.directoryUnusable(dir, errno: ENOTDIR) }
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
        let source = DispatchSource.makeReadSource(fileDescriptor: listenFD, queue: reactor.queue)
        let fd = listenFD
        source.setEventHandler { [weak self] in self?.acceptAll() }
        source.setCancelHandler { _ = Glibc.close(fd) }
        listenSource = source
        source.resume()

        let timer = DispatchSource.makeTimerSource(queue: reactor.queue)
        let interval = DispatchTimeInterval.nanoseconds(Int(limits.pollIntervalSeconds * 1e9))
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(50))
        timer.setEventHandler { [weak self] in self?.poll() }
        pollTimer = timer
        timer.resume()
    }

    // MARK: serving (reactor queue)

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
            guard connections.count < limits.maxConnections else {
                report("more than \(limits.maxConnections) clients at once; closing a new one")
                Glibc.close(fd)
                continue
            }
            let connection = UAPIConnection(
                fd: fd, queue: reactor.queue, limits: limits,
                answer: { [weak self] lines in self?.answer(lines) ?? UAPIResponseWriter.errnoResponse(.closed) },
                log: { [weak self] message in self?.report("rejected a request: \(message)") },
                onClose: { [weak self] c in self?.connections[ObjectIdentifier(c)] = nil })
            connections[ObjectIdentifier(connection)] = connection
            connection.start(scratch: scratch)
        }
    }

    private func answer(_ lines: [[UInt8]]) -> String {
        do {
            guard let handler else { throw UAPIError.closed }
            switch try UAPIRequest.parse(lines: lines) {
            case .get(let includeTunnelInfo):
                return UAPIResponseWriter.getResponse(handler.snapshot(), includeTunnelInfo: includeTunnelInfo)
            case .set(let change):
                try handler.apply(change)
                return UAPIResponseWriter.errnoResponse(nil)
            }
        } catch let error as UAPIError {
            report("rejected a request: \(error.message)")
            return UAPIResponseWriter.errnoResponse(error)
        } catch {
            report("a set request failed: \(error)")
            return UAPIResponseWriter.errnoResponse(UAPIError(errno: UAPIErrno.ioError, "\(error)"))
        }
    }

    private func poll() {
        let deadline = DispatchTime.now().uptimeNanoseconds
        let idleNanos = UInt64(limits.idleTimeoutSeconds * 1e9)
        for c in Array(connections.values) where deadline - min(deadline, c.lastActivity.uptimeNanoseconds) > idleNanos {
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

extension UAPIError {
    static let closed = UAPIError(errno: UAPIErrno.ioError, "the interface is shutting down")
}
