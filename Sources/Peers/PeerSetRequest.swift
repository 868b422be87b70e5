// `tunnel peer set|disable|enable` as typed on the command line, before its values are
// checked. nil: leave that limit as it is.

public struct PeerSetRequest: Equatable, Sendable {
    public var name: String
    public var configPath: String
    /// RATE or `off`.
    public var rate: String?
    /// SIZE[/day|/week|/month] or `off`.
    public var quota: String?
    public var resetUsage: Bool
    /// RFC 3339 or `never`.
    public var expires: String?
    /// 30s, 10m, 2h, 7d.
    public var expiresIn: String?
    /// `peer disable` (true), `peer enable` (false).
    public var disabled: Bool?

    public init(name: String, configPath: String = ServerConfigFile.defaultPath, rate: String? = nil,
                quota: String? = nil, resetUsage: Bool = false, expires: String? = nil, expiresIn: String? = nil,
                disabled: Bool? = nil) {
        self.name = name
        self.configPath = configPath
        self.rate = rate
        self.quota = quota
        self.resetUsage = resetUsage
        self.expires = expires
        self.expiresIn = expiresIn
        self.disabled = disabled
    }

    var changesNothing: Bool {
        rate == nil && quota == nil && !resetUsage && expires == nil && expiresIn == nil && disabled == nil
    }
}
