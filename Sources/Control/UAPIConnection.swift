// One client of the control socket. Owned by the server and driven on its control queue:
// a read source feeds the request reader, answers go to an output buffer, and a write
// source exists only while the client is slow to read. Nothing here blocks, so one stalled
// or hostile client never holds up another.
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

final class UAPIConnection {
    /// Answers waiting beyond this stop the handling of further pipelined requests until
    /// the client reads, so a client that never reads cannot grow memory.
    static let outputHighWater = 256 * 1024
    static let readsPerWakeup = 8

    let fd: Int32
    private let queue: DispatchQueue
    private var reader: UAPIRequestReader
    private let answer: ([[UInt8]]) -> [UInt8]
    private let onClose: (UAPIConnection) -> Void
    private let log: (String) -> Void
    private var output: [UInt8] = []
    private var outputSent = 0
    private var readSource: DispatchSourceRead?
    private var writeSource: DispatchSourceWrite?
    private let closer: DescriptorCloser
    /// No more requests are taken: after EOF, or after a fatal error has been answered.
    private var finishing = false
    private var closed = false
    /// When the server began waiting for the current request (accept, or the previous
    /// answer sent): the request's deadline counts from here.
    /// Monotonic nanoseconds, from the server's clock.
    private(set) var requestStarted: UInt64
    private let clock: () -> UInt64

    init(fd: Int32, queue: DispatchQueue, limits: UAPILimits, clock: @escaping () -> UInt64,
         answer: @escaping ([[UInt8]]) -> [UInt8],
         log: @escaping (String) -> Void, onClose: @escaping (UAPIConnection) -> Void) {
        self.fd = fd
        self.clock = clock
        requestStarted = clock()
        self.queue = queue
        self.reader = UAPIRequestReader(limits: limits)
        self.answer = answer
        self.log = log
        self.onClose = onClose
        closer = DescriptorCloser(fd: fd)
    }

    func start(scratch: UnsafeMutableRawBufferPointer) {
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        closer.retain()
        source.setCancelHandler { [closer] in closer.release() }
        source.setEventHandler { [weak self] in self?.readable(scratch: scratch) }
        readSource = source
        source.resume()
    }

    func close() {
        guard !closed else { return }
        closed = true
        readSource?.cancel()
        readSource = nil
        writeSource?.cancel()
        writeSource = nil
        closer.release()
        onClose(self)
    }

    /// Reads a bounded number of chunks per wakeup, so one busy client cannot starve the
    /// others; the source fires again while data is waiting.
    private func readable(scratch: UnsafeMutableRawBufferPointer) {
        var budget = UAPIConnection.readsPerWakeup
        while !closed && !finishing && budget > 0 {
            budget -= 1
            let n = read(fd, scratch.baseAddress, scratch.count)
            if n > 0 {
                reader.append(UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
                // Past a limit nothing more is read: the answer is the errno, then close.
                if reader.hasFailed { stopReading() }
            } else if n == 0 {
                stopReading()
                finishing = true
            } else if errno == EINTR {
                continue
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                break
            } else {
                close()
                return
            }
        }
        service()
    }

    /// Answers every complete request the output limit allows, then sends.
    private func service() {
        while !closed {
            let stalled = takeRequests()
            guard flush() else { return }
            if !stalled { break }
        }
        if !closed && finishing && outputSent == output.count { close() }
    }

    /// True when it stopped because answers are waiting, with requests perhaps left.
    private func takeRequests() -> Bool {
        while output.count - outputSent < UAPIConnection.outputHighWater {
            guard let event = reader.next() else { return false }
            switch event {
            case .request(let lines):
                let bytes = answer(lines)
                // A large answer is taken as it is, not copied, when nothing else waits.
                if outputSent == output.count { output = bytes; outputSent = 0 } else { output.append(contentsOf: bytes) }
            case .fatal(let error):
                log(error.message)
                output.append(contentsOf: UAPIResponseWriter.errnoResponseBytes(error))
                stopReading()
                finishing = true
                return false
            }
        }
        return true
    }

    /// Sends what it can. False when the connection closed or the socket is full.
    private func flush() -> Bool {
        while outputSent < output.count {
            let n = output.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + outputSent, raw.count - outputSent, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
            }
            if n > 0 {
                outputSent += n
            } else if n < 0 && errno == EINTR {
                continue
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                waitForWritable()
                return false
            } else {
                close()
                return false
            }
        }
        // Every answer so far is sent: the next request gets a deadline of its own.
        if !output.isEmpty { requestStarted = clock() }
        output.removeAll(keepingCapacity: output.count <= UAPIConnection.outputHighWater)
        outputSent = 0
        writeSource?.cancel()
        writeSource = nil
        return true
    }

    private func waitForWritable() {
        guard writeSource == nil else { return }
        let source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
        closer.retain()
        source.setCancelHandler { [closer] in closer.release() }
        source.setEventHandler { [weak self] in self?.service() }
        writeSource = source
        source.resume()
    }

    /// After EOF the fd stays readable forever; the source must go or it spins.
    private func stopReading() {
        readSource?.cancel()
        readSource = nil
    }
}

/// Closes a descriptor once every Dispatch source on it has finished cancelling, as
/// Dispatch requires, and once its owner lets go.
final class DescriptorCloser {
    private let fd: Int32
    private var holders = 1

    init(fd: Int32) { self.fd = fd }

    func retain() { holders += 1 }

    func release() {
        holders -= 1
        if holders == 0 { _ = Glibc.close(fd) }
    }
}
