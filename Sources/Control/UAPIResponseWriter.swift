// Writes answers: a snapshot as the `get` answer text (`key=value` lines, keys in hex,
// ending `errno=0` and an empty line), and the bare errno answer for `set` and failures.
// Key order follows wireguard-go; wg(8) does not depend on it. The answer is written as
// bytes (UAPIAnswerBuffer), which is what the socket sends.
public enum UAPIResponseWriter {
    /// Bytes per peer of a `get=tunnel` answer, about: reserved up front, so a large
    /// answer is not copied as it grows.
    static let bytesPerPeerEstimate = 1_200

    /// The answer to `get=1`, or to `get=tunnel` with `includeTunnelInfo`.
    public static func getResponse(_ snapshot: UAPIDeviceSnapshot, includeTunnelInfo: Bool = false) -> String {
        String(decoding: getResponseBytes(snapshot, includeTunnelInfo: includeTunnelInfo), as: UTF8.self)
    }

    /// getResponse as the bytes sent.
    public static func getResponseBytes(_ snapshot: UAPIDeviceSnapshot, includeTunnelInfo: Bool = false) -> [UInt8] {
        var out = UAPIAnswerBuffer(capacity: 1_024 + snapshot.peers.count * (includeTunnelInfo ? bytesPerPeerEstimate : 400))
        writeDevice(snapshot, into: &out)
        if includeTunnelInfo { writeTunnelInfo(snapshot.tunnel, into: &out) }
        for peer in snapshot.peers where includeTunnelInfo || !peer.offDevice {
            writePeer(peer, into: &out)
            if includeTunnelInfo { writePeerInfo(peer, into: &out) }
        }
        out.line(.errno, 0)
        out.newline()
        return out.bytes
    }

    /// `errno=0` and an empty line, or the failure's errno (negated, see UAPIErrno).
    public static func errnoResponse(_ error: UAPIError?) -> String {
        String(decoding: errnoResponseBytes(error), as: UTF8.self)
    }

    /// errnoResponse as the bytes sent.
    public static func errnoResponseBytes(_ error: UAPIError?) -> [UInt8] {
        var out = UAPIAnswerBuffer()
        out.line(.errno, signed: Int64(error.map { UAPIErrno.wireValue($0.errno) } ?? 0))
        out.newline()
        return out.bytes
    }

    private static func writeDevice(_ s: UAPIDeviceSnapshot, into out: inout UAPIAnswerBuffer) {
        if let key = s.privateKey, !key.isZero { out.line(.privateKey, key) }
        if s.listenPort != 0 { out.line(.listenPort, UInt64(s.listenPort)) }
        if s.fwmark != 0 { out.line(.fwmark, UInt64(s.fwmark)) }
    }

    private static func writePeer(_ p: UAPIPeerSnapshot, into out: inout UAPIAnswerBuffer) {
        out.line(.publicKey, p.publicKey)
        out.line(.presharedKey, p.presharedKey ?? .zero)
        out.line(.protocolVersion, signed: Int64(p.protocolVersion))
        if let endpoint = p.endpoint { out.line(.endpoint, endpoint.description) }
        out.line(.lastHandshakeTimeSec, signed: p.lastHandshakeTimeSec)
        out.line(.lastHandshakeTimeNsec, signed: p.lastHandshakeTimeNsec)
        out.line(.txBytes, p.txBytes)
        out.line(.rxBytes, p.rxBytes)
        out.line(.persistentKeepaliveInterval, UInt64(p.persistentKeepaliveInterval))
        for prefix in p.allowedIPs { out.line(.allowedIP, prefix) }
    }

    private static func writeTunnelInfo(_ t: UAPITunnelInfo, into out: inout UAPIAnswerBuffer) {
        if let name = t.name { out.line(.tunnelName, UAPIValue.singleLine(name)) }
        if let role = t.role { out.line(.tunnelRole, UAPIValue.singleLine(role)) }
        if let key = t.publicKey { out.line(.tunnelPublicKey, key) }
        for a in t.addresses { out.line(.tunnelAddress, a) }
        for c in t.counters { out.counter(c) }
    }

    private static func writePeerInfo(_ p: UAPIPeerSnapshot, into out: inout UAPIAnswerBuffer) {
        if let name = p.name { out.line(.tunnelPeerName, UAPIValue.singleLine(name)) }
        if let state = p.state { out.line(.tunnelPeerState, UAPIValue.singleLine(state)) }
        for c in p.counters { out.counter(c) }
    }
}
