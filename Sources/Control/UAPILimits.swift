// Bounds on what one control connection may cost the process. Requests that break them
// get an errno answer and the connection is closed; other clients are unaffected.
public struct UAPILimits: Sendable {
    /// Longest line, in bytes. A real line is under 100 bytes.
    public var maxLineBytes: Int
    /// Most input buffered for one connection and not yet answered.
    public var maxRequestBytes: Int
    /// Connections served at once; at the limit, the one that has waited longest for its
    /// request is closed to make room for a new one.
    public var maxConnections: Int
    /// Absolute time a client has for one request, from accept (or from its previous
    /// answer being sent) until its answer is sent: sending a byte now and then does not
    /// extend it, so trickling clients cannot hold the socket.
    public var requestDeadlineSeconds: Double
    /// How often the socket file is checked (deleting it stops the tunnel) and clients
    /// past their deadline are closed.
    public var pollIntervalSeconds: Double

    /// `wg show` on 10,000 peers is answered in well under a second; 3 s leaves room.
    public static let standardRequestDeadlineSeconds = 3.0

    public static let standard = UAPILimits(maxLineBytes: 64 * 1024, maxRequestBytes: 1024 * 1024, maxConnections: 64,
                                            requestDeadlineSeconds: standardRequestDeadlineSeconds,
                                            pollIntervalSeconds: 0.5)

    public init(maxLineBytes: Int, maxRequestBytes: Int, maxConnections: Int,
                requestDeadlineSeconds: Double, pollIntervalSeconds: Double) {
        self.maxLineBytes = maxLineBytes
        self.maxRequestBytes = maxRequestBytes
        self.maxConnections = maxConnections
        self.requestDeadlineSeconds = requestDeadlineSeconds
        self.pollIntervalSeconds = pollIntervalSeconds
    }
}
