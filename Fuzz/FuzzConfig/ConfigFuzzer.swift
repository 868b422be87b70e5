// Fuzz target: configuration files in both dialects. Whatever the bytes, parsing either
// succeeds or throws a one-line ConfigError; what parses renders to text that parses
// back to an equal value (the promise of WireGuardConfig.render), less what the `wg`
// dialect leaves out.
import Config
import FuzzSupport
import WireGuard

enum ConfigFuzzer: FuzzTarget {
    static let fileName = "fuzz.conf"

    static var seeds: [[UInt8]] {
        let key = { (byte: UInt8) in Key(bytes: [UInt8](repeating: byte, count: Key.byteCount)).base64 }
        let server = """
            # server
            [Interface]
            PrivateKey = \(key(1))
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
            PublicKey = \(key(2))
            PresharedKey = \(key(3))
            AllowedIPs = 100.64.0.2/32, 2001:db8:100::2/128
            Endpoint = 198.51.100.7:40000
            PersistentKeepalive = 25

            [Peer]
            PublicKey = \(key(4))  # no name
            AllowedIPs = 100.64.0.3/32
            Endpoint = vpn.example.net:51820
            """
        let client = """
            [Interface]
            PrivateKey = \(key(5))
            Address = 100.64.0.2/32
            DNS = 192.0.2.53

            [Peer]
            PublicKey = \(key(6))
            AllowedIPs = 0.0.0.0/0, ::/0
            Endpoint = [2001:db8::1]:51820
            PersistentKeepalive = off
            """
        let showconf = """
            [Interface]
            ListenPort = 51820
            FwMark = 0x1
            PrivateKey = \(key(7))

            [Peer]
            PublicKey = \(key(8))
            AllowedIPs = 100.64.0.9/32
            Endpoint = 192.0.2.9:1
            """
        return [server, client, showconf].map { Array($0.utf8) }
    }

    static func run(_ input: UnsafeRawBufferPointer) {
        let text = String(decoding: input, as: UTF8.self)
        for dialect in [ConfigDialect.wgQuick, .wg] {
            let config: WireGuardConfig
            do {
                config = try WireGuardConfig(parsing: text, fileName: fileName, dialect: dialect)
            } catch {
                precondition(!String(describing: error).contains("\n"), "a config error is one line: \(error)")
                continue
            }
            let rendered = config.render(dialect)
            guard let again = try? WireGuardConfig(parsing: rendered, fileName: fileName, dialect: dialect) else {
                preconditionFailure("rendered config does not parse back:\n\(rendered)")
            }
            precondition(again == kept(config, by: dialect), "rendered config parses to a different value:\n\(rendered)")
        }
    }

    /// What rendering in `dialect` keeps: the `wg` dialect leaves out the comments that
    /// carry wg-quick extras (peer names, the interface's public endpoint).
    static func kept(_ config: WireGuardConfig, by dialect: ConfigDialect) -> WireGuardConfig {
        guard dialect == .wg else { return config }
        var result = config
        result.interface.publicEndpoint = nil
        for index in result.peers.indices { result.peers[index].name = nil }
        return result
    }
}
