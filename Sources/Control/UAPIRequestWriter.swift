// Writes requests, for the client: `get=1`, `get=tunnel`, and a change as `set=1` text
// in the order wg(8) writes it.
public enum UAPIRequestWriter {
    public static func get(includeTunnelInfo: Bool = false) -> String {
        (includeTunnelInfo ? UAPIOperation.getTunnel : .get).rawValue + "\n\n"
    }

    /// `get=public`: the answer carries no private or preshared key.
    public static func getPublic() -> String { UAPIOperation.getPublic.rawValue + "\n\n" }

    public static func set(_ change: UAPIConfigurationChange) -> String {
        var out = UAPIOperation.set.rawValue + "\n"
        if let k = change.privateKey { out += line(.privateKey, k.hex) }
        if let p = change.listenPort { out += line(.listenPort, String(p)) }
        if let m = change.fwmark { out += line(.fwmark, String(m)) }
        if change.replacePeers { out += line(.replacePeers, UAPIValue.trueText) }
        for peer in change.peers { writePeer(peer, into: &out) }
        return out + "\n"
    }

    private static func writePeer(_ p: UAPIPeerChange, into out: inout String) {
        out += line(.publicKey, p.publicKey.hex)
        if p.remove { out += line(.remove, UAPIValue.trueText); return }
        if p.updateOnly { out += line(.updateOnly, UAPIValue.trueText) }
        if let k = p.presharedKey { out += line(.presharedKey, k.hex) }
        if let e = p.endpoint { out += line(.endpoint, e.description) }
        if let k = p.persistentKeepaliveInterval { out += line(.persistentKeepaliveInterval, String(k)) }
        if p.replaceAllowedIPs { out += line(.replaceAllowedIPs, UAPIValue.trueText) }
        for a in p.allowedIPs { out += line(.allowedIP, a.description) }
    }

    private static func line(_ field: UAPIField, _ value: String) -> String { "\(field.rawValue)=\(value)\n" }
}
