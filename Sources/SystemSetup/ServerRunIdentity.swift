// What makes two servers collide: the config file they both rewrite (their peers, their
// key), and the UDP address clients reach them at. Recorded in the state file so that a
// second server finds the first and refuses before it changes anything.
import Addresses
import Foundation

public struct ServerRunIdentity: Codable, Equatable, Sendable {
    /// The config file's path with the directory's symbolic links resolved.
    public var configPath: String
    /// ADDR:PORT as given to --listen.
    public var listen: String

    public init(configPath: String, listen: Endpoint) {
        self.configPath = ServerRunIdentity.canonical(configPath)
        self.listen = "\(listen)"
    }

    /// The same file named two ways (relative, through a link to its directory) is one file.
    /// The file itself may not exist yet; its directory is resolved.
    static func canonical(_ path: String) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL
        let directory = absolute.deletingLastPathComponent().resolvingSymlinksInPath()
        return directory.appendingPathComponent(absolute.lastPathComponent).path
    }

    /// Whether two listen addresses take the same UDP port: the same address, or either a
    /// wildcard (0.0.0.0, or :: which may take IPv4 as well).
    static func listenAddressesCollide(_ a: String, _ b: String) -> Bool {
        guard let x = Endpoint(a), let y = Endpoint(b) else { return a == b }
        guard x.port == y.port else { return false }
        return x.address == y.address || isWildcard(x) || isWildcard(y)
    }

    private static func isWildcard(_ endpoint: Endpoint) -> Bool {
        switch endpoint.address {
        case .v4(let a): return a.value == 0
        case .v6(let a): return a.high == 0 && a.low == 0
        }
    }
}
