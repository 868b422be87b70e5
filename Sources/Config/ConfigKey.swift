// The keys each section may hold, how they repeat, and which only wg-quick knows.
// wg-quick lets list-valued keys (Address, DNS, AllowedIPs, the hooks) repeat and
// accumulate; every other key may appear once per section.

struct ConfigKey {
    /// Canonical spelling, used when rendering and in messages.
    let name: String
    let repeats: Bool
    let wgQuickOnly: Bool

    init(_ name: String, repeats: Bool = false, wgQuickOnly: Bool = false) {
        self.name = name
        self.repeats = repeats
        self.wgQuickOnly = wgQuickOnly
    }

    static let interface: [ConfigKey] = [
        ConfigKey("PrivateKey"),
        ConfigKey("ListenPort"),
        ConfigKey("FwMark"),
        ConfigKey("Address", repeats: true, wgQuickOnly: true),
        ConfigKey("DNS", repeats: true, wgQuickOnly: true),
        ConfigKey("MTU", wgQuickOnly: true),
        ConfigKey("Table", wgQuickOnly: true),
        ConfigKey("PreUp", repeats: true, wgQuickOnly: true),
        ConfigKey("PostUp", repeats: true, wgQuickOnly: true),
        ConfigKey("PreDown", repeats: true, wgQuickOnly: true),
        ConfigKey("PostDown", repeats: true, wgQuickOnly: true),
        ConfigKey("SaveConfig", wgQuickOnly: true),
    ]

    static let peer: [ConfigKey] = [
        ConfigKey("PublicKey"),
        ConfigKey("PresharedKey"),
        ConfigKey("Endpoint"),
        ConfigKey("AllowedIPs", repeats: true),
        ConfigKey("PersistentKeepalive"),
    ]

    static func keys(for kind: RawSection.Kind) -> [ConfigKey] {
        kind == .interface ? interface : peer
    }

    /// Case-insensitive, as wg and wg-quick match keys.
    static func find(_ written: String, in kind: RawSection.Kind) -> ConfigKey? {
        let lower = written.lowercased()
        return keys(for: kind).first { $0.name.lowercased() == lower }
    }
}
