// Cuts one connection's byte stream into requests: lines ending in '\n', a request ending
// at an empty line. Pure (bytes in, events out), so framing and limits are tested without
// sockets. A line that is too long or too much unanswered input is reported as soon as it
// is seen, without waiting for a newline that may never come; so is a first line that
// names no known operation (random bytes), since nothing after it can be trusted.
public struct UAPIRequestReader {
    public enum Event: Equatable {
        /// The lines of one request, the empty line excluded.
        case request([[UInt8]])
        /// The stream cannot be read further; answer with the error and close.
        case fatal(UAPIError)
    }

    private let limits: UAPILimits
    private var buffer: [UInt8] = []
    private var scanned = 0          // bytes of `buffer` already looked at
    private var lineStart = 0
    /// Lines of the unfinished request. They stay in `buffer` until it ends: an array per
    /// line would cost some 50 bytes per two-byte line, far past `maxRequestBytes`.
    private var lineCount = 0
    private var failed: UAPIError?

    public init(limits: UAPILimits = .standard) { self.limits = limits }

    /// True once the stream broke a limit or the protocol; `next` reports why.
    public var hasFailed: Bool { failed != nil }

    /// Bytes held and not yet part of an answered request.
    public var pendingByteCount: Int { buffer.count }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard failed == nil else { return }
        // Checked here, not only in `next`, so a client that pipelines requests without
        // reading the answers cannot make the buffer grow while the server waits for it.
        guard buffer.count + bytes.count <= limits.maxRequestBytes else {
            _ = fail(.tooLarge("more than \(limits.maxRequestBytes) bytes of request are waiting"))
            return
        }
        buffer.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The next complete request or failure; nil when more bytes are needed.
    public mutating func next() -> Event? {
        if let failed { return .fatal(failed) }
        while scanned < buffer.count {
            let byte = buffer[scanned]
            scanned += 1
            if byte == UInt8(ascii: "\n") {
                if let event = endLine() { return event }
            } else if scanned - lineStart > limits.maxLineBytes {
                return fail(.tooLarge("a request line is longer than \(limits.maxLineBytes) bytes"))
            }
        }
        return nil
    }

    private mutating func endLine() -> Event? {
        let line = lineStart..<(scanned - 1)
        lineStart = scanned
        if !line.isEmpty {
            if lineCount == 0 && UAPIOperation(line: buffer[line]) == nil {
                return fail(.protocolViolation("the request does not start with get=1 or set=1"))
            }
            lineCount += 1
            return nil
        }
        guard lineCount > 0 else {
            return fail(.protocolViolation("the request does not start with get=1 or set=1"))
        }
        // The request starts the buffer; its lines end before the last line's newline.
        let request = buffer[0..<(scanned - 2)]
            .split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { Array($0) }
        lineCount = 0
        buffer.removeFirst(scanned)
        scanned = 0
        lineStart = 0
        return .request(request)
    }

    private mutating func fail(_ error: UAPIError) -> Event {
        failed = error
        buffer = []
        lineCount = 0
        return .fatal(error)
    }
}
