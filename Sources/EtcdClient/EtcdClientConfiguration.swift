// Where the members are and how long a call may take.
import Foundation

public struct EtcdClientConfiguration: Sendable, Equatable {
    /// Client URLs of the members, tried in order; a call moves to the next when one fails.
    public var endpoints: [URL]
    /// The whole budget of one call, across every member it tries.
    public var requestTimeout: Duration
    /// How long one member gets to accept a connection before the next is tried.
    public var connectTimeout: Duration
    public var tls: EtcdTLS?
    /// The largest answer accepted (a range over many keys).
    public var maximumResponseBytes: Int

    public init(endpoints: [URL], requestTimeout: Duration = .seconds(5), connectTimeout: Duration = .seconds(1),
                tls: EtcdTLS? = nil, maximumResponseBytes: Int = 64 << 20) throws {
        guard !endpoints.isEmpty else { throw EtcdError.invalidEndpoint("") }
        for url in endpoints {
            guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
                  let host = url.host, !host.isEmpty else {
                throw EtcdError.invalidEndpoint(url.absoluteString)
            }
        }
        self.endpoints = endpoints
        self.requestTimeout = requestTimeout
        self.connectTimeout = connectTimeout
        self.tls = tls
        self.maximumResponseBytes = maximumResponseBytes
    }

    /// From the comma-separated list a command line or environment variable gives.
    public init(endpoints list: String, requestTimeout: Duration = .seconds(5), connectTimeout: Duration = .seconds(1),
                tls: EtcdTLS? = nil) throws {
        var urls: [URL] = []
        for item in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            guard let url = URL(string: item) else { throw EtcdError.invalidEndpoint(item) }
            urls.append(url)
        }
        try self.init(endpoints: urls, requestTimeout: requestTimeout, connectTimeout: connectTimeout, tls: tls)
    }
}
