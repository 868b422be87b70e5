// `tunnel peer invite` as typed on the command line, before its values are checked.

public struct PeerInviteRequest: Equatable, Sendable {
    public var name: String
    public var configPath: String
    /// HOST:PORT the code (and the client's config) names; nil: the config's `# Endpoint`.
    public var endpoint: String?
    /// `--expires-in` (30s, 10m, 2h, 7d); nil: PeerManagement.defaultInviteLifetime.
    public var expiresIn: String?
    public var dns: [String]
    public var allowedIPs: [String]
    public var qrCode: Bool

    public init(name: String, configPath: String = ServerConfigFile.defaultPath, endpoint: String? = nil,
                expiresIn: String? = nil, dns: [String] = [], allowedIPs: [String] = [], qrCode: Bool = false) {
        self.name = name
        self.configPath = configPath
        self.endpoint = endpoint
        self.expiresIn = expiresIn
        self.dns = dns
        self.allowedIPs = allowedIPs
        self.qrCode = qrCode
    }
}
