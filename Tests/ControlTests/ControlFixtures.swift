// Shared fixtures: sample keys and a sample device whose exact answer text the spec
// format tests compare against.
import Addresses
@testable import Control

enum ControlFixtures {
    static func key(_ fill: UInt8) -> UAPIKey { UAPIKey(bytes: [UInt8](repeating: fill, count: 32))! }

    static let privateKey = key(0x11)
    static let peerA = key(0xaa)
    static let peerB = key(0xbb)
    static let psk = key(0x22)

    static func prefix(_ text: String) -> IPPrefix { try! IPPrefix(parsing: text) }

    static var device: UAPIDeviceSnapshot {
        UAPIDeviceSnapshot(
            privateKey: privateKey, listenPort: 51820, fwmark: 0x42,
            peers: [
                UAPIPeerSnapshot(publicKey: peerA, presharedKey: psk,
                                 endpoint: Endpoint("192.0.2.7:51821"),
                                 allowedIPs: [prefix("100.64.0.2/32"), prefix("2001:db8::2/128")],
                                 lastHandshakeTimeSec: 1_700_000_000, lastHandshakeTimeNsec: 123_456_789,
                                 rxBytes: 1000, txBytes: 2000, persistentKeepaliveInterval: 25,
                                 name: "alice laptop", counters: [UAPICounter("drop_replay", 3)]),
                UAPIPeerSnapshot(publicKey: peerB, endpoint: Endpoint("[2001:db8::9]:4000"),
                                 allowedIPs: [prefix("100.64.0.3/32")]),
            ],
            tunnel: UAPITunnelInfo(name: "tun0", role: "server", addresses: [prefix("100.64.0.1/24")],
                                   counters: [UAPICounter("nat_tcp_mappings", 12), UAPICounter("nat_ports_in_use", 7)]))
    }

    static let hexA = String(repeating: "aa", count: 32)
    static let hexB = String(repeating: "bb", count: 32)

    /// The expected `get=1` answer for `device`, written out by hand from the spec's format.
    static let deviceGetText = """
        private_key=\(String(repeating: "11", count: 32))
        listen_port=51820
        fwmark=66
        public_key=\(hexA)
        preshared_key=\(String(repeating: "22", count: 32))
        protocol_version=1
        endpoint=192.0.2.7:51821
        last_handshake_time_sec=1700000000
        last_handshake_time_nsec=123456789
        tx_bytes=2000
        rx_bytes=1000
        persistent_keepalive_interval=25
        allowed_ip=100.64.0.2/32
        allowed_ip=2001:db8::2/128
        public_key=\(hexB)
        preshared_key=\(String(repeating: "00", count: 32))
        protocol_version=1
        endpoint=[2001:db8::9]:4000
        last_handshake_time_sec=0
        last_handshake_time_nsec=0
        tx_bytes=0
        rx_bytes=0
        persistent_keepalive_interval=0
        allowed_ip=100.64.0.3/32
        errno=0


        """
}

extension String {
    /// The lines of an answer as the client hands them to the parser (final "\n\n" cut).
    var answerLines: [Substring] {
        precondition(hasSuffix("\n\n"))
        return dropLast(2).split(separator: "\n", omittingEmptySubsequences: false)
    }
}
