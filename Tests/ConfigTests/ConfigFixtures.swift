// Keys and files shared by the config tests.
import WireGuard

enum Fixtures {
    static func key(_ byte: UInt8) -> Key { Key(bytes: [UInt8](repeating: byte, count: 32)) }

    static let serverPrivate = key(1)
    static let alicePublic = key(2)
    static let alicePSK = key(3)
    static let bobPublic = key(4)

    /// A full wg-quick server file; line numbers matter to the tests.
    static let server = """
    # tunnel server, line 1
    [Interface]
    PrivateKey = \(serverPrivate.base64)
    Address = 100.64.0.1/24, 2001:db8:100::1/64
    ListenPort = 51820
    DNS = 192.0.2.53, 2001:db8::53, corp.example
    MTU = 1420
    FwMark = 0xca6c
    Table = off
    PostUp = echo up
    SaveConfig = false

    [Peer]
    # Name = alice
    PublicKey = \(alicePublic.base64)
    PresharedKey = \(alicePSK.base64)
    AllowedIPs = 100.64.0.2/32, 2001:db8:100::2/128
    Endpoint = 198.51.100.7:40000
    PersistentKeepalive = 25

    [Peer]
    PublicKey = \(bobPublic.base64)  # bob has no name
    AllowedIPs = 100.64.0.3/32
    Endpoint = vpn.example.net:51820
    """
}
