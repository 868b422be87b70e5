// `tunnel peer set`, `disable`, `enable` and `list --json`: every value is checked before
// the store is touched, so bad input changes nothing; the change is one atomic step of
// the store, which running servers pick up within a second.
import Foundation

extension PeerManagement {
    /// Applies the request at `now` (Unix seconds) and returns a one-line summary.
    public static func set(_ request: PeerSetRequest, now: Int64, store: (any PeerStore)? = nil) throws -> String {
        let store = store ?? FilePeerStore(configPath: request.configPath)
        guard !request.changesNothing else {
            throw PeerManagementError.invalidOption(option: "peer set", value: request.name,
                                                    reason: "nothing to change: give --rate, --quota, --reset-usage, --expires or --expires-in")
        }
        if request.expires != nil && request.expiresIn != nil {
            throw PeerManagementError.invalidOption(option: "--expires-in", value: request.expiresIn ?? "",
                                                    reason: "give either --expires or --expires-in, not both")
        }
        let rate = try request.rate.map { text in try limitValue("--rate", text) { try Rate.parseSetting(text) } }
        let quota = try request.quota.map { text in try limitValue("--quota", text) { try Quota.parseSetting(text) } }
        var expires: RFC3339Time??
        if let text = request.expires {
            expires = .some(try limitValue("--expires", text) { try RFC3339Time.parseExpiry(text, now: now) })
        } else if let text = request.expiresIn {
            let duration = try limitValue("--expires-in", text) { try PeerDuration(parsing: text) }
            guard let end = duration.after(now) else {
                throw PeerManagementError.invalidOption(option: "--expires-in", value: text, reason: "too long")
            }
            expires = .some(RFC3339Time(secondsSinceEpoch: end))
        }
        return try store.update { contents in
            var registry = PeerRegistry(config: contents.config)
            let section = try registry.update(name: request.name) { section in
                var settings = PeerSettings(section)
                if let rate { settings.limits.rate = rate }
                if let quota {
                    // A plain quota counts from when it is set (the rule); a
                    // calendar quota counts its current period, whenever it was set.
                    if let new = quota, new.period == .total, new != settings.limits.quota { settings.usageReset = now }
                    settings.limits.quota = quota
                }
                if request.resetUsage { settings.usageReset = now }
                if let expires { settings.limits.expires = expires }
                if let disabled = request.disabled { settings.limits.disabled = disabled }
                section = settings.applied(to: section)
            }
            contents.config = registry.config
            return "peer '\(request.name)': " + describe(PeerSettings(section).limits)
        }
    }

    /// The rows of `tunnel peer list`, with the stored usage totals at `now`.
    public static func listings(configPath: String, now: Int64) throws -> [PeerListing] {
        try listings(store: FilePeerStore(configPath: configPath), now: now)
    }

    public static func listings(store: any PeerStore, now: Int64) throws -> [PeerListing] {
        let contents = try store.read()
        let usage = try store.usage()
        let invites = contents.invites.filter { !$0.hasExpired(at: now) }
        return contents.peers.map { PeerListing($0, usage: usage[$0.publicKey], now: now) }
            + invites.map(PeerListing.init(invite:))
    }

    /// `tunnel peer list` (a table) or `--json`.
    public static func list(configPath: String = ServerConfigFile.defaultPath, json: Bool, now: Int64) throws -> String {
        try list(store: FilePeerStore(configPath: configPath), json: json, now: now)
    }

    public static func list(store: any PeerStore, json: Bool, now: Int64) throws -> String {
        let rows = try listings(store: store, now: now)
        return json ? try PeerListing.json(rows) : PeerListing.table(rows)
    }

    static func describe(_ limits: PeerLimits) -> String {
        [limits.disabled ? "disabled" : "enabled",
         "rate " + (limits.rate?.description ?? "off"),
         "quota " + (limits.quota?.description ?? "off"),
         "expires " + (limits.expires?.description ?? "never")].joined(separator: ", ")
    }

    /// A LimitValueError as `--option 'value': reason`, the CLI's one-line form.
    private static func limitValue<T>(_ option: String, _ text: String, _ parse: () throws -> T) throws -> T {
        do { return try parse() } catch let error as LimitValueError {
            throw PeerManagementError.invalidOption(option: option, value: text, reason: error.reason)
        }
    }
}
