// A pending invitation, as the server keeps it: who it is for, until when, what the
// client's config will say, and the one thing it knows of the code: the public half of
// the key pair derived from the code's secret. The secret and the code never reach the
// server's files.
import Foundation
import WireGuard

public struct Invite: Codable, Equatable, Sendable {
    public var name: String
    /// InviteCode.derivedKeyPair's public key, base64.
    public var key: String
    public var created: RFC3339Time
    public var expires: RFC3339Time
    /// What the client's [Peer] AllowedIPs will be (CIDR text); empty: the full tunnel.
    public var allowedIPs: [String]
    public var dns: [String]
    /// The server's endpoint as the client's config will name it; nil: the server
    /// config's `# Endpoint`.
    public var endpoint: String?

    enum CodingKeys: String, CodingKey {
        case name, key, created, expires, dns, endpoint
        case allowedIPs = "allowed_ips"
    }

    public init(name: String, key: Key, created: Int64, expires: Int64, allowedIPs: [String] = [], dns: [String] = [],
                endpoint: String? = nil) {
        self.name = name
        self.key = key.base64
        self.created = RFC3339Time(secondsSinceEpoch: created)
        self.expires = RFC3339Time(secondsSinceEpoch: expires)
        self.allowedIPs = allowedIPs
        self.dns = dns
        self.endpoint = endpoint
    }

    public func hasExpired(at now: Int64) -> Bool { now >= expires.secondsSinceEpoch }
}
