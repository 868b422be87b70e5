// The whole interface as a `get` answer describes it: what the tunnel hands the control
// server, and what the client parses back.
public struct UAPIDeviceSnapshot: Equatable, Sendable {
    public var privateKey: UAPIKey?
    /// 0 when unknown (then not written, as wireguard-go does).
    public var listenPort: UInt16
    /// 0 is none (then not written).
    public var fwmark: UInt32
    public var peers: [UAPIPeerSnapshot]
    /// This program's extension; written only for `get=tunnel`.
    public var tunnel: UAPITunnelInfo

    public init(privateKey: UAPIKey? = nil, listenPort: UInt16 = 0, fwmark: UInt32 = 0,
                peers: [UAPIPeerSnapshot] = [], tunnel: UAPITunnelInfo = UAPITunnelInfo()) {
        self.privateKey = privateKey
        self.listenPort = listenPort
        self.fwmark = fwmark
        self.peers = peers
        self.tunnel = tunnel
    }
}
