// What the metrics endpoint did with its connections, for logs and tests.
public struct MetricsServerStats: Equatable, Sendable {
    public var accepted = 0
    /// Requests answered (any status).
    public var answered = 0
    /// Closed because they sent more than `maxRequestBytes`.
    public var closedOversized = 0
    /// Closed at the request or response deadline.
    public var closedAtDeadline = 0
    /// Waiting connections closed to make room for a new one at the connection cap.
    public var evicted = 0
    /// New connections closed at once: the cap was reached by connections being answered.
    public var refused = 0
    /// Requests the HTTP decoder rejected.
    public var malformed = 0
    /// accept(2) failures (EMFILE, ENFILE, ENOBUFS, ...); the listener pauses and goes on.
    public var acceptErrors = 0

    public init() {}
}
