// The first line of a request names the operation. Version 1 of `get` and `set` are the
// protocol's; `get=tunnel` is this program's extension: the `get=1` answer plus `tunnel_*`
// keys (name, role, addresses, counters) for `tunnel status`. wg(8) never sends it, and a
// plain WireGuard implementation closes the connection on it, so a client can fall back.
// `get=public` is the `get=tunnel` answer without secrets: no private_key, preshared keys
// all zero, and the device's public key as `tunnel_public_key`. The metrics endpoint asks
// for it, so a scrape never moves a private key through the socket or into a String.
public enum UAPIOperation: String, CaseIterable, Sendable {
    case get = "get=1"
    case getTunnel = "get=tunnel"
    case getPublic = "get=public"
    case set = "set=1"

    /// The operation a request line names; nil for anything else (`get=2`, garbage).
    public init?<S: Sequence>(line: S) where S.Element == UInt8 {
        let bytes = Array(line)
        guard let op = UAPIOperation.allCases.first(where: { Array($0.rawValue.utf8) == bytes }) else { return nil }
        self = op
    }
}
