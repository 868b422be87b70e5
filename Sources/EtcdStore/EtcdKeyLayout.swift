// The store's keys under the prefix (`/tunnel/` unless --etcd-prefix says otherwise), one
// key per fact as Flannel and Calico keep theirs (DESIGN.md, "The peer store on etcd"):
//
//   peers/<public key>           the peer (PeerDocument)
//   names/<name>                 its public key: a name is taken once, cluster-wide
//   addresses/<prefix>           its public key: an address is handed out once
//   invites/<derived public key> a pending invite (Invite)
//   usage/<server>/<public key>  that server's counts for the peer (PeerUsage); summed
//   servers/<server>             who is up (ServerRecord), under the server's lease
//
// Keys are written in base64url so they hold no '/'; prefixes with their length
// ("100.64.0.2/32") keep their slash, harmlessly, as only whole keys are looked up.
import Addresses
import Peers
import WireGuard

public struct EtcdKeyLayout: Sendable, Equatable {
    public static let defaultPrefix = "/tunnel/"

    public let prefix: String

    /// A prefix always ends in '/', so `/tunnel` and `/tunnel/` are one store and
    /// `/tunnel2/` is another.
    public init(prefix: String = EtcdKeyLayout.defaultPrefix) {
        self.prefix = prefix.hasSuffix("/") ? prefix : prefix + "/"
    }

    public var peers: String { prefix + "peers/" }
    public var names: String { prefix + "names/" }
    public var addresses: String { prefix + "addresses/" }
    public var invites: String { prefix + "invites/" }
    public var usage: String { prefix + "usage/" }
    public var servers: String { prefix + "servers/" }

    public func peer(_ key: Key) -> String { peers + Self.keyName(key) }
    public func name(_ name: String) -> String { names + name }
    public func address(_ prefix: IPPrefix) -> String { addresses + prefix.description }
    public func invite(_ base64: String) -> String { invites + Self.keyName(base64: base64) }
    public func usage(server: String) -> String { usage + server + "/" }
    public func usage(server: String, peer key: Key) -> String { usage(server: server) + Self.keyName(key) }
    public func server(_ id: String) -> String { servers + id }

    /// base64url without padding: the same 32 bytes, spelt without '/'.
    static func keyName(_ key: Key) -> String { Base64URL.encode(key.bytes) }

    /// The public key a key name spells; nil for anything else.
    static func key(named name: String) -> Key? {
        guard let bytes = try? Base64URL.decode(name), bytes.count == Key.byteCount else { return nil }
        return Key(bytes: bytes)
    }

    /// An invite's base64 id as a key name: base64url without padding, by character, so
    /// any text maps to a name.
    static func keyName(base64: String) -> String {
        String(base64.compactMap { c -> Character? in
            switch c {
            case "+": "-"
            case "/": "_"
            case "=": nil
            default: c
            }
        })
    }

    /// What the key under `usage/` names: (server, peer key in base64url), or nil.
    func usageParts(_ key: String) -> (server: String, peer: String)? {
        guard key.hasPrefix(usage) else { return nil }
        let rest = key.dropFirst(usage.count).split(separator: "/", omittingEmptySubsequences: false)
        guard rest.count == 2, !rest[0].isEmpty, !rest[1].isEmpty else { return nil }
        return (String(rest[0]), String(rest[1]))
    }
}
