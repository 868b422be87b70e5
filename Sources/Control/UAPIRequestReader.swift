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
    private var lines: [[UInt8]] = []
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
        let line = Array(buffer[lineStart..<(scanned - 1)])
        lineStart = scanned
        if !line.isEmpty {
            if lines.isEmpty && UAPIOperation(line: line) == nil {
                return fail(.protocolViolation("the request does not start with get=1 or set=1"))
            }
            lines.append(line)
            return nil
        }
        guard !lines.isEmpty else {
            return fail(.protocolViolation("the request does not start with get=1 or set=1"))
        }
        let request = lines
        lines = []
        buffer.removeFirst(scanned)
        scanned = 0
        lineStart = 0
        return .request(request)
    }

    private mutating func fail(_ error: UAPIError) -> Event {
        failed = error
        buffer = []
        lines = []
        return .fatal(error)
    }
}
