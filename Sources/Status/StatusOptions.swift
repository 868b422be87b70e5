// What `tunnel status` was asked for.
import Control

public struct StatusOptions: Sendable {
    /// One interface, or every running tunnel when nil.
    public var interface: String?
    public var json: Bool
    /// The Prometheus text format (for node_exporter's textfile collector).
    public var prometheus: Bool = false
    /// Print again every `interval` seconds until SIGINT.
    public var watch: Bool
    public var directory: String
    public var intervalSeconds: UInt32

    public init(interface: String? = nil, json: Bool = false, watch: Bool = false,
                directory: String = UAPISocketPath.defaultDirectory, intervalSeconds: UInt32 = 1) {
        self.interface = interface
        self.json = json
        self.watch = watch
        self.directory = directory
        self.intervalSeconds = intervalSeconds
    }
}
