// The key material a new client gets: its own key pair and a preshared key shared with
// the server (an extra symmetric layer, as wg-quick setups recommend).
import WireGuard

public struct PeerKeys: Sendable {
    public var privateKey: Key
    public var presharedKey: Key

    public init(privateKey: Key, presharedKey: Key) {
        self.privateKey = privateKey
        self.presharedKey = presharedKey
    }

    public var publicKey: Key { X25519.publicKey(for: privateKey) }

    public static func generate() -> PeerKeys {
        PeerKeys(privateKey: X25519.generatePrivateKey(), presharedKey: Key(bytes: SecureRandom.bytes(Key.byteCount)))
    }
}
