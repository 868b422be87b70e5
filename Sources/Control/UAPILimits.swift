// Bounds on what one control connection may cost the process. Requests that break them
// get an errno answer and the connection is closed; other clients are unaffected.
public struct UAPILimits: Sendable {
    /// Longest line, in bytes. A real line is under 100 bytes.
    public var maxLineBytes: Int
    /// Most input buffered for one connection and not yet answered.
    public var maxRequestBytes: Int
    /// Connections served at once; more are closed at once.
    public var maxConnections: Int
    /// A connection that neither sends nor reads for this long is closed.
    public var idleTimeoutSeconds: Double
    /// How often the socket file is checked (deleting it stops the tunnel) and idle
    /// connections are swept.
    public var pollIntervalSeconds: Double

    public static let standard = UAPILimits(maxLineBytes: 64 * 1024, maxRequestBytes: 1024 * 1024, maxConnections: 64,
                                            idleTimeoutSeconds: 10, pollIntervalSeconds: 1)

    public init(maxLineBytes: Int, maxRequestBytes: Int, maxConnections: Int,
                idleTimeoutSeconds: Double, pollIntervalSeconds: Double) {
        self.maxLineBytes = maxLineBytes
        self.maxRequestBytes = maxRequestBytes
        self.maxConnections = maxConnections
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.pollIntervalSeconds = pollIntervalSeconds
    }
}
