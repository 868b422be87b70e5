// Errors of the client and server modes that are not already typed by a lower layer
// (config, netlink, TUN and socket errors carry their own one-line descriptions).
public enum TunnelError: Error, CustomStringConvertible {
    case interfaceNameTaken(String)
    case noFreeInterfaceName(prefix: String)
    case noPeer(file: String)
    case tooManyPeers(file: String, count: Int)
    case invalidOption(String)
    /// The process lacks CAP_NET_ADMIN.
    case notPermitted(command: String)
    /// A config file to create in a directory that does not exist.
    case missingDirectory(option: String, path: String, directory: String)

    public var description: String {
        switch self {
        case .interfaceNameTaken(let n):
            return "interface name '\(n)' is already taken (choose another with --interface, or stop what uses it)"
        case .noFreeInterfaceName(let p):
            return "no free interface name \(p)0 to \(p)\(InterfaceNaming.maxNumber) (choose one with --interface)"
        case .noPeer(let f): return "\(f): a client needs one [Peer] section (the server)"
        case .tooManyPeers(let f, let n): return "\(f): a client has one [Peer] (the server); this file has \(n)"
        case .invalidOption(let m): return m
        case .notPermitted(let command):
            return "\(command) configures interfaces, routes and sysctls: operation not permitted; run it as root (or with CAP_NET_ADMIN)"
        case .missingDirectory(let option, let path, let directory):
            return "\(option) \(path): the directory \(directory) does not exist; create it or choose another path"
        }
    }
}
