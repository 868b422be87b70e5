// The bounds that keep `--metrics` cheap whatever a client sends: a scrape is one GET of
// a few hundred bytes answered within seconds, so anything bigger, slower or more
// numerous is cut off instead of being served.
public struct MetricsLimits: Sendable {
    /// Bytes a connection may send in all (the connection answers one request, then closes).
    /// Counted before the HTTP decoder sees them, so an endless header line costs one read.
    public var maxRequestBytes: Int
    /// From accept to the end of the request head: a client that trickles bytes is closed
    /// here even though it is never idle.
    public var requestTimeoutSeconds: Double
    /// From the end of the request to the end of the answer (the scrape and the write),
    /// so a client that does not read its answer does not keep the connection.
    public var responseTimeoutSeconds: Double
    /// Open connections; past this the oldest one still waiting for its request is closed.
    public var maxConnections: Int
    /// The listen backlog. Deep enough that a flood of idle connections waits to be
    /// accepted (and evicted) instead of making the kernel drop a scraper's SYN, which
    /// costs a whole second of retry; the kernel caps it at net.core.somaxconn.
    public var backlog: Int32

    public init(maxRequestBytes: Int = 8 * 1024, requestTimeoutSeconds: Double = 5,
                responseTimeoutSeconds: Double = 10, maxConnections: Int = 64, backlog: Int32 = 4096) {
        self.maxRequestBytes = maxRequestBytes
        self.requestTimeoutSeconds = requestTimeoutSeconds
        self.responseTimeoutSeconds = responseTimeoutSeconds
        self.maxConnections = maxConnections
        self.backlog = backlog
    }

    public static let standard = MetricsLimits()
}
