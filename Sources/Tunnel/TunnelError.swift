// Errors of the client and server modes that are not already typed by a lower layer
// (config, netlink, TUN and socket errors carry their own one-line descriptions).
public enum TunnelError: Error, CustomStringConvertible {
    case noPeer(file: String)
    case tooManyPeers(file: String, count: Int)
    case invalidOption(String)

    public var description: String {
        switch self {
        case .noPeer(let f): return "\(f): a client needs one [Peer] section (the server)"
        case .tooManyPeers(let f, let n): return "\(f): a client has one [Peer] (the server); this file has \(n)"
        case .invalidOption(let m): return m
        }
    }
}
