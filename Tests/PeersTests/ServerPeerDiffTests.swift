// A config-file reload applied as a diff: only peers whose section changed are set, a peer
// whose AllowedIPs changed keeps its session, removed peers leave the trie, and peers the
// file did not change are not touched at all.
import Addresses
import Config
import TestSupport
import XCTest
@testable import Peers
@testable import WireGuard

final class ServerPeerDiffTests: XCTestCase {
    private var devices: InMemoryDevices!
    private let keyD = X25519.publicKey(for: Key(bytes: [UInt8](repeating: 4, count: 32)))

    override func setUp() { devices = InMemoryDevices() }

    private var device: WireGuardDevice { devices.a }

    private func section(_ key: Key, _ allowed: [String], keepalive: UInt16? = nil) -> PeerSection {
        PeerSection(publicKey: key, allowedIPs: allowed.map(prefix), persistentKeepalive: keepalive)
    }

    private func config(_ peers: [PeerSection]) -> WireGuardConfig {
        WireGuardConfig(interface: InterfaceSection(privateKey: Key(bytes: [UInt8](repeating: 1, count: 32))), peers: peers)
    }

    private func sections(_ config: WireGuardConfig) -> [Key: PeerSection] {
        Dictionary(uniqueKeysWithValues: config.peers.map { ($0.publicKey, $0) })
    }

    private func apply(_ diff: ServerPeerDiff) -> ServerPeerDiff.Result {
        diff.apply(to: device, now: devices.now, log: { _ in })
    }

    /// What the device runs with at first: b and c as InMemoryDevices set them up.
    private var initial: WireGuardConfig {
        config([section(devices.b.publicKey, ["100.64.0.2/32"], keepalive: 25),
                section(devices.keyC, ["100.64.0.3/32", "2001:db8::3/128"])])
    }

    func testChangedPeerKeepsItsSessionAndRemovedPeerLeavesTheTrie() throws {
        devices.handshakeAndSend()
        let b = try XCTUnwrap(device.peer(for: devices.b.publicKey))
        let session = try XCTUnwrap(b.current)
        let c = try XCTUnwrap(device.peer(for: devices.keyC))

        let next = config([section(devices.b.publicKey, ["100.64.0.2/32", "198.51.100.0/24"], keepalive: 25),
                           section(keyD, ["100.64.0.4/32"])])
        let diff = ServerPeerDiff(from: sections(initial), to: next)
        XCTAssertEqual(diff.changed, [devices.b.publicKey, keyD])
        let result = apply(diff)

        XCTAssertEqual(result.removed, [c.id])
        XCTAssertEqual(result.touched, 3, "c removed, b changed, d added")
        XCTAssertEqual(Set(result.prefixes), Set(["100.64.0.2/32", "198.51.100.0/24", "100.64.0.3/32", "2001:db8::3/128",
                                                  "100.64.0.4/32"].map(prefix)),
                       "every prefix the touched peers held or hold, for the routes' check")
        XCTAssertTrue(device.peer(for: devices.b.publicKey) === b, "b is the same peer")
        XCTAssertTrue(b.current === session, "and keeps its session")
        XCTAssertEqual(device.allowedIPs(of: b), [prefix("100.64.0.2/32"), prefix("198.51.100.0/24")])
        XCTAssertTrue(device.peer(routing: IPAddress("198.51.100.7")!) === b)
        XCTAssertNil(device.peer(for: devices.keyC))
        XCTAssertNil(device.peer(routing: IPAddress("100.64.0.3")!), "c's IPv4 prefix left the trie")
        XCTAssertNil(device.peer(routing: IPAddress("2001:db8::3")!), "and its IPv6 prefix")
        XCTAssertEqual(device.allowedIPs.count, 3, "b's two prefixes and d's one, nothing left of c")
        XCTAssertEqual(device.peer(for: keyD).map(device.allowedIPs(of:)), [prefix("100.64.0.4/32")])
        XCTAssertEqual(device.peers.map(\.publicKey), [devices.b.publicKey, keyD])
    }

    func testUnchangedPeersAreNotTouched() throws {
        devices.handshakeAndSend()
        let b = try XCTUnwrap(device.peer(for: devices.b.publicKey))
        // A change made at run time (as `wg set` would) that setting b again would undo.
        device.setPersistentKeepalive(7, for: b, now: devices.now)

        let next = config([section(devices.b.publicKey, ["100.64.0.2/32"], keepalive: 25),
                           section(devices.keyC, ["100.64.0.3/32"])])
        let diff = ServerPeerDiff(from: sections(initial), to: next)
        XCTAssertEqual(diff.changed, [devices.keyC], "only c's section differs")
        XCTAssertEqual(apply(diff).touched, 1)
        XCTAssertEqual(b.persistentKeepalive, 7, "b was not set again")
        XCTAssertNotNil(b.current, "nor lost its session")
        XCTAssertEqual(device.peer(for: devices.keyC).map(device.allowedIPs(of:)), [prefix("100.64.0.3/32")])
        XCTAssertNil(device.peer(routing: IPAddress("2001:db8::3")!), "c's dropped prefix is gone")

        let again = ServerPeerDiff(from: sections(next), to: next)
        XCTAssertEqual(again.changed, [])
        XCTAssertEqual(apply(again).touched, 0, "the same file again changes nothing")
    }

    func testPeerMissingFromTheDeviceIsSetAgain() {
        device.removePeer(devices.keyC)
        let diff = ServerPeerDiff(from: sections(initial), to: initial)
        XCTAssertEqual(apply(diff).touched, 1, "the file still names c: it comes back")
        XCTAssertEqual(device.peer(for: devices.keyC).map(device.allowedIPs(of:)),
                       [prefix("100.64.0.3/32"), prefix("2001:db8::3/128")])
    }
}
