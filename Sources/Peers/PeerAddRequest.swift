// `tunnel peer add` as typed on the command line, before its values are checked.

public struct PeerAddRequest: Equatable, Sendable {
    public var name: String
    public var configPath: String
    /// HOST:PORT or [V6]:PORT; nil to use the server config's `# Endpoint`.
    public var endpoint: String?
    /// Each item may itself be a comma-separated list.
    public var dns: [String]
    /// Each item may itself be a comma-separated list; empty for the full-tunnel default.
    public var allowedIPs: [String]
    public var qrCode: Bool

    public init(name: String, configPath: String = ServerConfigFile.defaultPath, endpoint: String? = nil,
                dns: [String] = [], allowedIPs: [String] = [], qrCode: Bool = false) {
        self.name = name
        self.configPath = configPath
        self.endpoint = endpoint
        self.dns = dns
        self.allowedIPs = allowedIPs
        self.qrCode = qrCode
    }
}
