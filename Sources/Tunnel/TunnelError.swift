// Errors of the client and server modes that are not already typed by a lower layer
// (config, netlink, TUN and socket errors carry their own one-line descriptions).
public enum TunnelError: Error, CustomStringConvertible {
    case noPeer(file: String)
    case tooManyPeers(file: String, count: Int)
    case invalidOption(String)
    /// An nf_tables forward chain drops by policy, and the NAT's packets are forwarded.
    case forwardDrops(chains: [String], tun: String)

    public var description: String {
        switch self {
        case .noPeer(let f): return "\(f): a client needs one [Peer] section (the server)"
        case .tooManyPeers(let f, let n): return "\(f): a client has one [Peer] (the server); this file has \(n)"
        case .invalidOption(let m): return m
        case .forwardDrops(let chains, let tun):
            let names = chains.map { "'\($0)'" }.joined(separator: ", ")
            return "nf_tables chain \(names) drops forwarded packets by policy, and the NAT's replies reach \(tun) by forwarding (so do its translated packets unless --nat-egress socket): add 'iifname \"\(tun)\" accept' and 'oifname \"\(tun)\" accept' there, then start with --nat-egress tun (or --nat-egress socket, which needs only the oifname rule)"
        }
    }
}
