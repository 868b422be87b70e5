// Parsing good files: every key, case-insensitivity, accumulation, both dialects.
import XCTest
import Addresses
import WireGuard
@testable import Config

final class ConfigParsingTests: XCTestCase {
    private func p(_ text: String) -> IPPrefix { try! IPPrefix(parsing: text) }

    func testFullServerFile() throws {
        let config = try WireGuardConfig(parsing: Fixtures.server, fileName: "server.conf")
        let i = config.interface
        XCTAssertEqual(i.privateKey, Fixtures.serverPrivate)
        XCTAssertEqual(i.addresses, [p("100.64.0.1/24"), p("2001:db8:100::1/64")])
        XCTAssertEqual(i.addresses[0].address, IPAddress("100.64.0.1"), "interface addresses keep host bits")
        XCTAssertEqual(i.listenPort, 51820)
        XCTAssertEqual(i.dns, [IPAddress("192.0.2.53")!, IPAddress("2001:db8::53")!])
        XCTAssertEqual(i.dnsSearch, ["corp.example"])
        XCTAssertEqual(i.mtu, 1420)
        XCTAssertEqual(i.fwMark, 0xca6c)
        XCTAssertEqual(i.table, "off")
        XCTAssertEqual(i.postUp, ["echo up"])
        XCTAssertTrue(i.hasHooks)
        XCTAssertEqual(i.saveConfig, "false")

        XCTAssertEqual(config.peers.count, 2)
        let alice = config.peers[0]
        XCTAssertEqual(alice.name, "alice")
        XCTAssertEqual(alice.publicKey, Fixtures.alicePublic)
        XCTAssertEqual(alice.presharedKey, Fixtures.alicePSK)
        XCTAssertEqual(alice.allowedIPs, [p("100.64.0.2/32"), p("2001:db8:100::2/128")])
        XCTAssertEqual(alice.endpoint, PeerEndpoint(host: "198.51.100.7", port: 40000))
        XCTAssertEqual(alice.endpoint?.literal, Endpoint("198.51.100.7:40000"))
        XCTAssertEqual(alice.persistentKeepalive, 25)

        let bob = config.peers[1]
        XCTAssertNil(bob.name)
        XCTAssertEqual(bob.publicKey, Fixtures.bobPublic, "a trailing comment is not part of the value")
        XCTAssertNil(bob.presharedKey)
        XCTAssertEqual(bob.endpoint, PeerEndpoint(host: "vpn.example.net", port: 51820))
        XCTAssertNil(bob.endpoint?.literal, "a name is resolved later")
        XCTAssertNil(bob.persistentKeepalive)
        XCTAssertEqual(config.peer(withPublicKey: Fixtures.bobPublic), bob)
    }

    func testKeysAndSectionsAreCaseInsensitiveAndSpacingIsFree() throws {
        let text = """
        [INTERFACE]
        privatekey=\(Fixtures.serverPrivate.base64)
        \tlistenport   =   51820\t
        ADDRESS = 10.0.0.1/24
        [peer]
        PUBLICKEY =\(Fixtures.alicePublic.base64)
        allowedips= 10.0.0.2/32 ,10.0.1.0/24
        persistentKEEPALIVE = off
        """
        let config = try WireGuardConfig(parsing: text, fileName: "mixed.conf")
        XCTAssertEqual(config.interface.listenPort, 51820)
        XCTAssertEqual(config.interface.addresses, [p("10.0.0.1/24")])
        XCTAssertEqual(config.peers.first?.allowedIPs, [p("10.0.0.2/32"), p("10.0.1.0/24")])
        XCTAssertNil(config.peers.first?.persistentKeepalive)
    }

    func testListKeysAccumulateAcrossLines() throws {
        let text = """
        [Interface]
        PrivateKey = \(Fixtures.serverPrivate.base64)
        Address = 10.0.0.1/24
        Address = fd00::1/64, 10.9.0.1/16
        DNS = 1.1.1.1
        DNS = example.com, 2606:4700:4700::1111
        PostUp = one
        PostUp = two
        [Peer]
        PublicKey = \(Fixtures.alicePublic.base64)
        AllowedIPs = 10.0.0.2/32
        AllowedIPs = 10.0.3.0/24
        AllowedIPs =
        """
        let config = try WireGuardConfig(parsing: text, fileName: "acc.conf")
        XCTAssertEqual(config.interface.addresses, [p("10.0.0.1/24"), p("fd00::1/64"), p("10.9.0.1/16")])
        XCTAssertEqual(config.interface.dns, [IPAddress("1.1.1.1")!, IPAddress("2606:4700:4700::1111")!])
        XCTAssertEqual(config.interface.dnsSearch, ["example.com"])
        XCTAssertEqual(config.interface.postUp, ["one", "two"])
        XCTAssertEqual(config.peers.first?.allowedIPs, [p("10.0.0.2/32"), p("10.0.3.0/24")])
    }

    func testCommentsBlankLinesCRLFAndByteOrderMark() throws {
        let text = "\u{FEFF}# leading comment\r\n\r\n[Interface] # trailing\r\n   # indented comment\r\n"
            + "PrivateKey = \(Fixtures.serverPrivate.base64)\r\n"
        let config = try WireGuardConfig(parsing: text, fileName: "crlf.conf")
        XCTAssertEqual(config.interface.privateKey, Fixtures.serverPrivate)
        XCTAssertEqual(config.peers, [])
    }

    func testOffAndZeroMeanNoKeepaliveOrMark() throws {
        let text = """
        [Interface]
        PrivateKey = \(Fixtures.serverPrivate.base64)
        FwMark = off
        [Peer]
        PublicKey = \(Fixtures.alicePublic.base64)
        PersistentKeepalive = 0
        [Peer]
        PublicKey = \(Fixtures.bobPublic.base64)
        PersistentKeepalive = 65535
        """
        let config = try WireGuardConfig(parsing: text, fileName: "off.conf")
        XCTAssertNil(config.interface.fwMark)
        XCTAssertNil(config.peers[0].persistentKeepalive)
        XCTAssertEqual(config.peers[1].persistentKeepalive, 65535)
        let decimalMark = text.replacingOccurrences(of: "FwMark = off", with: "FwMark = 51820")
        XCTAssertEqual(try WireGuardConfig(parsing: decimalMark, fileName: "m.conf").interface.fwMark, 51820)
    }

    func testEndpointForms() throws {
        XCTAssertEqual(try PeerEndpoint(parsing: "[2001:db8::1]:51820"), PeerEndpoint(host: "2001:db8::1", port: 51820))
        XCTAssertEqual(try PeerEndpoint(parsing: "192.0.2.1:1"), PeerEndpoint(host: "192.0.2.1", port: 1))
        XCTAssertEqual(try PeerEndpoint(parsing: "a-b.example:65535").host, "a-b.example")
        XCTAssertEqual(PeerEndpoint(host: "2001:db8::1", port: 51820).description, "[2001:db8::1]:51820")
        XCTAssertEqual(PeerEndpoint(Endpoint("[2001:db8::2]:7")!).literal, Endpoint("[2001:db8::2]:7"))
        for bad in ["2001:db8::1:51820", "host", "host:", "host:0", "host:65536", "host:-1", ":51820",
                    "[2001:db8::1]51820", "[nonsense]:1", "bad host:1", "host: 1"] {
            XCTAssertThrowsError(try PeerEndpoint(parsing: bad), bad)
        }
    }

    func testShowconfOutputParses() throws {
        // As `wg showconf wg0` prints it: FwMark in hex, numeric endpoints, no wg-quick keys.
        let text = """
        [Interface]
        ListenPort = 51820
        FwMark = 0x1234
        PrivateKey = \(Fixtures.serverPrivate.base64)

        [Peer]
        PublicKey = \(Fixtures.alicePublic.base64)
        PresharedKey = \(Fixtures.alicePSK.base64)
        AllowedIPs = 100.64.0.2/32, 2001:db8:100::2/128
        Endpoint = [2001:db8::7]:40000
        PersistentKeepalive = 25

        """
        let config = try WireGuardConfig.parseShowconf(text)
        XCTAssertEqual(config.interface.listenPort, 51820)
        XCTAssertEqual(config.interface.fwMark, 0x1234)
        XCTAssertEqual(config.peers.first?.endpoint?.literal, Endpoint("[2001:db8::7]:40000"))
        XCTAssertEqual(config.peers.first?.allowedIPs.count, 2)
    }

    func testRealShowconfOutputParses() throws {
        // Captured from `wg showconf` on a wireguard-go interface loaded with `render(.wg)`
        // of Fixtures.server (bob's hostname endpoint removed: nothing to resolve it).
        let text = """
        [Interface]
        ListenPort = 51820
        FwMark = 0xca6c
        PrivateKey = AAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAUE=

        [Peer]
        PublicKey = AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=
        PresharedKey = AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM=
        AllowedIPs = 100.64.0.2/32, 2001:db8:100::2/128
        Endpoint = 198.51.100.7:40000
        PersistentKeepalive = 25

        [Peer]
        PublicKey = BAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ=
        AllowedIPs = 100.64.0.3/32
        """
        let config = try WireGuardConfig.parseShowconf(text)
        let original = try WireGuardConfig(parsing: Fixtures.server, fileName: "server.conf")
        XCTAssertEqual(config.interface.listenPort, original.interface.listenPort)
        XCTAssertEqual(config.interface.fwMark, original.interface.fwMark)
        XCTAssertEqual(config.peers.map(\.publicKey), original.peers.map(\.publicKey))
        XCTAssertEqual(config.peers[0].presharedKey, original.peers[0].presharedKey)
        XCTAssertEqual(config.peers[0].allowedIPs, original.peers[0].allowedIPs)
        XCTAssertEqual(config.peers[0].endpoint, original.peers[0].endpoint)
        XCTAssertEqual(config.peers[0].persistentKeepalive, 25)
        XCTAssertNil(config.peers[1].endpoint)
    }

    func testShowconfDialectRejectsWgQuickKeys() {
        let text = "[Interface]\nPrivateKey = \(Fixtures.serverPrivate.base64)\nAddress = 10.0.0.1/24\n"
        XCTAssertThrowsError(try WireGuardConfig.parseShowconf(text, fileName: "wg0")) { error in
            let e = error as? ConfigError
            XCTAssertEqual(e?.kind, .notInThisFormat)
            XCTAssertEqual(e?.line, 3)
        }
    }
}
