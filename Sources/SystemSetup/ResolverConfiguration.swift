// The resolv.conf the client writes while the tunnel is up: the config's DNS
// servers and search domains. Pure text, no file access.
import Addresses

public struct ResolverConfiguration: Equatable, Sendable {
    public var servers: [IPAddress]
    public var searchDomains: [String]

    public init(servers: [IPAddress], searchDomains: [String] = []) {
        self.servers = servers
        self.searchDomains = searchDomains
    }

    /// The file text. glibc reads only the first three nameserver lines; all are
    /// written anyway so other resolvers that read more can use them.
    public func render(interfaceName: String) -> String {
        var lines = ["# Written by tunnel for \(interfaceName); the original comes back when the tunnel stops."]
        lines += servers.map { "nameserver \($0)" }
        if !searchDomains.isEmpty { lines.append("search " + searchDomains.joined(separator: " ")) }
        return lines.joined(separator: "\n") + "\n"
    }
}
