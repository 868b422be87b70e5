// Turns a configured endpoint ("vpn.example.com:51820", "[2001:db8::1]:51820") into
// addresses. Names are resolved with the system resolver, at start and again when every
// address stopped answering (servers may have moved; DNS round robin names several).
import Addresses
import Config
import Foundation

public enum EndpointResolver {
    public struct ResolutionError: Error, CustomStringConvertible {
        public let host: String
        public let reason: String
        public var description: String { "cannot resolve endpoint host '\(host)': \(reason)" }
    }

    public static func resolve(_ endpoint: PeerEndpoint) throws -> Endpoint {
        try resolveAll(endpoint)[0]
    }

    /// Every address the name has (IPv4 first, in the resolver's order), for failover
    /// between the servers behind one name; never empty.
    public static func resolveAll(_ endpoint: PeerEndpoint) throws -> [Endpoint] {
        if let literal = endpoint.literal { return [literal] }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(endpoint.host, nil, &hints, &result)
        guard rc == 0, let first = result else {
            throw ResolutionError(host: endpoint.host, reason: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(result) }
        // Prefer IPv4 as wg-quick's resolver order usually does; take IPv6 if that is all.
        var candidates: [IPAddress] = []
        var p: UnsafeMutablePointer<addrinfo>? = first
        while let info = p {
            if let sa = info.pointee.ai_addr {
                if info.pointee.ai_family == AF_INET {
                    let sin = UnsafeRawPointer(sa).assumingMemoryBound(to: sockaddr_in.self).pointee
                    candidates.append(.v4(IPv4Address(UInt32(bigEndian: sin.sin_addr.s_addr))))
                } else if info.pointee.ai_family == AF_INET6 {
                    var sin6 = UnsafeRawPointer(sa).assumingMemoryBound(to: sockaddr_in6.self).pointee
                    let addr = withUnsafeBytes(of: &sin6.sin6_addr) { IPv6Address(networkBytes: $0) }
                    candidates.append(.v6(addr))
                }
            }
            p = info.pointee.ai_next
        }
        var ordered: [IPAddress] = []
        for address in candidates.filter(\.isIPv4) + candidates.filter({ !$0.isIPv4 }) where !ordered.contains(address) {
            ordered.append(address)
        }
        guard !ordered.isEmpty else {
            throw ResolutionError(host: endpoint.host, reason: "no IPv4 or IPv6 address")
        }
        return ordered.map { Endpoint(address: $0, port: endpoint.port) }
    }
}
