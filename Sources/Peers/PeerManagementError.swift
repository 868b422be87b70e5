// Server config and peer management (`tunnel peer add/list/remove`, and the file
// `tunnel server` creates). This file: what can go wrong when editing the peer list,
// each case phrased as one line telling the user what to do.
import Addresses

public enum PeerManagementError: Error, Equatable, CustomStringConvertible {
    case noServerConfig(path: String)
    case invalidName(String, reason: String)
    case nameTaken(String)
    case noSuchPeer(String, known: [String])
    /// The server's Address lines hold no subnet with room for clients (only /32 or /128).
    case noClientSubnet(serverAddresses: [IPPrefix])
    case addressesExhausted(subnet: IPPrefix)
    /// Neither --endpoint nor a remembered `# Endpoint` in the server config.
    case noEndpoint
    case invalidOption(option: String, value: String, reason: String)
    /// A config file to create in a directory that does not exist.
    case missingDirectory(path: String, directory: String)
    /// A client's key is already a peer's (an enrolment with a key that is not new).
    case keyTaken(String)

    public var description: String {
        switch self {
        case .noServerConfig(let path):
            return "no server config at \(path): run `tunnel server --listen ADDR:PORT` first"
        case .invalidName(let name, let reason):
            return "invalid peer name '\(name)': \(reason)"
        case .nameTaken(let name):
            return "a peer named '\(name)' already exists (choose another name, or `tunnel peer remove \(name)` first)"
        case .noSuchPeer(let name, let known):
            let list = known.isEmpty ? "there are no named peers" : "peers: " + known.joined(separator: ", ")
            return "no peer named '\(name)' (\(list))"
        case .noClientSubnet(let addresses):
            let written = addresses.map(\.description).joined(separator: ", ")
            return "the server's Address (\(written.isEmpty ? "none" : written)) has no subnet to give clients addresses from; give it one such as 100.64.0.1/24"
        case .addressesExhausted(let subnet):
            return "no free client address left in \(subnet.network) (remove a peer, or give the server a larger subnet)"
        case .noEndpoint:
            return "the server config does not say where clients reach the server (no `# Endpoint` line: it listens on a wildcard address): pass --endpoint HOST:PORT"
        case .invalidOption(let option, let value, let reason):
            return "\(option) '\(value)': \(reason)"
        case .missingDirectory(let path, let directory):
            return "--config \(path): the directory \(directory) does not exist; create it or choose another path"
        case .keyTaken(let key):
            return "the public key \(key) is already a peer's (a client makes a new key pair for each enrolment)"
        }
    }
}
