// Every key of WireGuard's cross-platform configuration protocol (wireguard.com/xplatform),
// plus this program's own `tunnel_*` keys, named once. A key's meaning depends on where it
// stands: before the first `public_key` it describes the device, after it that peer.
public enum UAPIField: String, CaseIterable, Sendable {
    // Device keys.
    case privateKey = "private_key"
    case listenPort = "listen_port"
    case fwmark = "fwmark"
    case replacePeers = "replace_peers"            // set only
    // Starts a peer.
    case publicKey = "public_key"
    // Peer keys.
    case remove = "remove"                         // set only
    case updateOnly = "update_only"                // set only
    case presharedKey = "preshared_key"
    case endpoint = "endpoint"
    case persistentKeepaliveInterval = "persistent_keepalive_interval"
    case replaceAllowedIPs = "replace_allowed_ips" // set only
    case allowedIP = "allowed_ip"
    case protocolVersion = "protocol_version"
    case lastHandshakeTimeSec = "last_handshake_time_sec"   // get only
    case lastHandshakeTimeNsec = "last_handshake_time_nsec" // get only
    case rxBytes = "rx_bytes"                      // get only
    case txBytes = "tx_bytes"                      // get only
    // Ends every response.
    case errno = "errno"

    // This program's extension, only in answers to `get=tunnel` (see UAPIOperation). wg(8)
    // skips keys it does not know, but stricter UAPI clients reject them, so a plain
    // `get=1` answer never carries these.
    case tunnelName = "tunnel_name"
    case tunnelPublicKey = "tunnel_public_key"
    case tunnelRole = "tunnel_role"
    case tunnelAddress = "tunnel_address"
    case tunnelPeerName = "tunnel_peer_name"
    /// active, disabled, expired, over-quota (a server's peer limits).
    case tunnelPeerState = "tunnel_peer_state"

    /// Prefix of a counter key: `tunnel_counter_<name>=<value>`, device or peer level.
    public static let counterPrefix = "tunnel_counter_"

    /// Every key by its text, looked up without making a String of each line's key (the
    /// raw-value initializer compares against every case in turn).
    static let byName: [Substring: UAPIField] = Dictionary(uniqueKeysWithValues: allCases.map { (Substring($0.rawValue), $0) })

    /// Every key by its length, then its bytes: the answer parser looks a line's key up
    /// without making a String of it.
    private static let byLength: [[([UInt8], UAPIField)]] = {
        var table = [[([UInt8], UAPIField)]](repeating: [], count: allCases.map(\.rawValue.utf8.count).max()! + 1)
        for field in allCases { table[field.rawValue.utf8.count].append((Array(field.rawValue.utf8), field)) }
        return table
    }()

    /// The key spelled by `bytes`, or nil when no key is.
    static func named(_ bytes: UnsafeRawBufferPointer) -> UAPIField? {
        guard bytes.count < byLength.count else { return nil }
        for (name, field) in byLength[bytes.count] where name.withUnsafeBytes({ $0.elementsEqual(bytes) }) {
            return field
        }
        return nil
    }

    /// Keys that belong to a peer (valid only after a `public_key` line).
    public var isPeerKey: Bool {
        switch self {
        case .remove, .updateOnly, .presharedKey, .endpoint, .persistentKeepaliveInterval,
             .replaceAllowedIPs, .allowedIP, .protocolVersion, .lastHandshakeTimeSec,
             .lastHandshakeTimeNsec, .rxBytes, .txBytes, .tunnelPeerName, .tunnelPeerState:
            return true
        default:
            return false
        }
    }
}
