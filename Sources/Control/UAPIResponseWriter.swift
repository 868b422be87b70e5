// Writes answers: a snapshot as the `get` answer text (`key=value` lines, keys in hex,
// ending `errno=0` and an empty line), and the bare errno answer for `set` and failures.
// Key order follows wireguard-go; wg(8) does not depend on it.
public enum UAPIResponseWriter {
    /// The answer to `get=1`, or to `get=tunnel` with `includeTunnelInfo`.
    public static func getResponse(_ snapshot: UAPIDeviceSnapshot, includeTunnelInfo: Bool = false) -> String {
        var out = ""
        writeDevice(snapshot, into: &out)
        if includeTunnelInfo { writeTunnelInfo(snapshot.tunnel, into: &out) }
        for peer in snapshot.peers where includeTunnelInfo || !peer.offDevice {
            writePeer(peer, into: &out)
            if includeTunnelInfo { writePeerInfo(peer, into: &out) }
        }
        out += errnoResponse(nil)
        return out
    }

    /// `errno=0` and an empty line, or the failure's errno (negated, see UAPIErrno).
    public static func errnoResponse(_ error: UAPIError?) -> String {
        let value = error.map { UAPIErrno.wireValue($0.errno) } ?? 0
        return line(.errno, String(value)) + "\n"
    }

    private static func writeDevice(_ s: UAPIDeviceSnapshot, into out: inout String) {
        if let key = s.privateKey, !key.isZero { out += line(.privateKey, key.hex) }
        if s.listenPort != 0 { out += line(.listenPort, String(s.listenPort)) }
        if s.fwmark != 0 { out += line(.fwmark, String(s.fwmark)) }
    }

    private static func writePeer(_ p: UAPIPeerSnapshot, into out: inout String) {
        out += line(.publicKey, p.publicKey.hex)
        out += line(.presharedKey, (p.presharedKey ?? .zero).hex)
        out += line(.protocolVersion, String(p.protocolVersion))
        if let endpoint = p.endpoint { out += line(.endpoint, endpoint.description) }
        out += line(.lastHandshakeTimeSec, String(p.lastHandshakeTimeSec))
        out += line(.lastHandshakeTimeNsec, String(p.lastHandshakeTimeNsec))
        out += line(.txBytes, String(p.txBytes))
        out += line(.rxBytes, String(p.rxBytes))
        out += line(.persistentKeepaliveInterval, String(p.persistentKeepaliveInterval))
        for prefix in p.allowedIPs { out += line(.allowedIP, prefix.description) }
    }

    private static func writeTunnelInfo(_ t: UAPITunnelInfo, into out: inout String) {
        if let name = t.name { out += line(.tunnelName, UAPIValue.singleLine(name)) }
        if let role = t.role { out += line(.tunnelRole, UAPIValue.singleLine(role)) }
        if let key = t.publicKey { out += line(.tunnelPublicKey, key.hex) }
        for a in t.addresses { out += line(.tunnelAddress, a.description) }
        writeCounters(t.counters, into: &out)
    }

    private static func writePeerInfo(_ p: UAPIPeerSnapshot, into out: inout String) {
        if let name = p.name { out += line(.tunnelPeerName, UAPIValue.singleLine(name)) }
        if let state = p.state { out += line(.tunnelPeerState, UAPIValue.singleLine(state)) }
        writeCounters(p.counters, into: &out)
    }

    private static func writeCounters(_ counters: [UAPICounter], into out: inout String) {
        for c in counters { out += UAPIField.counterPrefix + UAPIValue.counterName(c.name) + "=\(c.value)\n" }
    }

    private static func line(_ field: UAPIField, _ value: String) -> String { "\(field.rawValue)=\(value)\n" }
}
