// Everything one `set=1` request asks for, parsed and validated as a whole before any of
// it is applied, so the caller can apply it atomically (all or nothing).
public struct UAPIConfigurationChange: Equatable, Sendable {
    /// nil: unchanged. An all-zero key removes the private key.
    public var privateKey: UAPIKey?
    /// nil: unchanged. 0 picks a free port.
    public var listenPort: UInt16?
    /// nil: unchanged. 0 removes the mark.
    public var fwmark: UInt32?
    /// Remove every peer not named below (and reset the ones named) first.
    public var replacePeers: Bool
    public var peers: [UAPIPeerChange]

    public init(privateKey: UAPIKey? = nil, listenPort: UInt16? = nil, fwmark: UInt32? = nil,
                replacePeers: Bool = false, peers: [UAPIPeerChange] = []) {
        self.privateKey = privateKey
        self.listenPort = listenPort
        self.fwmark = fwmark
        self.replacePeers = replacePeers
        self.peers = peers
    }
}
