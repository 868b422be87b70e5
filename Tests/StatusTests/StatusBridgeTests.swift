// UAPIBridge over real WireGuardDevices in memory: the `get` snapshot after a real
// handshake, every `set` key, atomicity of refused requests, and the peer-change hook.
import Addresses
import Control
import TestSupport
import XCTest
@testable import Status
@testable import WireGuard

final class StatusBridgeTests: XCTestCase {
    var devices: InMemoryDevices!
    var bridge: UAPIBridge!
    var changes: [[PeerChange]] = []

    override func setUp() {
        devices = InMemoryDevices()
        bridge = UAPIBridge(device: devices.a, listenPort: { 51820 }, fwmark: 0, info: {
            TunnelStatusInfo(name: "tun7", role: .server, addresses: [prefix("100.64.0.1/24")],
                             counters: [UAPICounter("nat_ports_in_use", 4)])
        }, now: { [unowned self] in self.devices.now })
        bridge.onPeersChanged = { [unowned self] in self.changes.append($0) }
    }

    private var keyB: UAPIKey { UAPIKey(devices.b.publicKey) }
    private var keyC: UAPIKey { UAPIKey(devices.keyC) }
    private func peer(_ key: UAPIKey) -> UAPIPeerSnapshot? { bridge.snapshot().peers.first { $0.publicKey == key } }
    private func counter(_ name: String, _ counters: [UAPICounter]) -> UInt64? { counters.first { $0.name == name }?.value }

    private func assertRefused(_ change: UAPIConfigurationChange, errno expected: Int32,
                               file: StaticString = #filePath, line: UInt = #line) {
        let before = bridge.snapshot()
        XCTAssertThrowsError(try bridge.apply(change), file: file, line: line) { error in
            XCTAssertEqual((error as? UAPIError)?.errno, expected, "\(error)", file: file, line: line)
        }
        XCTAssertEqual(bridge.snapshot(), before, "a refused request changes nothing", file: file, line: line)
        XCTAssertTrue(changes.isEmpty, "no peer change is reported", file: file, line: line)
    }

    // MARK: get

    func testPublicSnapshotCarriesThePublicKeyAndNoSecret() throws {
        devices.handshakeAndSend()
        let full = bridge.snapshot()
        let s = bridge.publicSnapshot()
        XCTAssertNil(s.privateKey)
        XCTAssertEqual(s.peers.map(\.presharedKey), [nil, nil])
        XCTAssertEqual(s.tunnel.publicKey, UAPIKey(devices.a.publicKey))
        XCTAssertEqual(full.tunnel.publicKey, UAPIKey(devices.a.publicKey))
        var stripped = full
        stripped.privateKey = nil
        for i in stripped.peers.indices { stripped.peers[i].presharedKey = nil }
        XCTAssertEqual(s, stripped, "otherwise the same answer")
    }

    func testSnapshotDescribesTheDeviceAndBothPeers() throws {
        devices.handshakeAndSend()
        XCTAssertEqual(devices.outB.delivered, 1, "the packet went through a real session")
        XCTAssertEqual(devices.outA.delivered, 1, "and one came back")
        let s = bridge.snapshot()
        XCTAssertEqual(s.privateKey, UAPIKey(devices.a.identity.privateKey))
        XCTAssertEqual(s.listenPort, 51820)
        XCTAssertEqual(s.fwmark, 0)
        XCTAssertEqual(s.peers.count, 2)

        let b = try XCTUnwrap(peer(keyB))
        XCTAssertEqual(b.presharedKey, UAPIKey(devices.psk))
        XCTAssertEqual(b.endpoint, InMemoryDevices.endpointB)
        XCTAssertEqual(b.allowedIPs, [prefix("100.64.0.2/32")])
        XCTAssertEqual(b.lastHandshakeTimeSec, Int64(InMemoryDevices.wallSeconds), "TAI64N converted to Unix time")
        XCTAssertEqual(b.lastHandshakeTimeNsec, Int64(InMemoryDevices.wallNanoseconds))
        // One 52-byte packet each way, sealed: header 16 + padded to 64 + tag 16.
        XCTAssertEqual(b.txBytes, 96)
        XCTAssertEqual(b.rxBytes, 96, "the reply was counted")
        XCTAssertEqual(b.persistentKeepaliveInterval, 25)
        XCTAssertEqual(b.name, "laptop")
        XCTAssertEqual(counter("handshakes_sent", b.counters), 1)
        XCTAssertEqual(counter("handshakes_received", b.counters), 0)
        XCTAssertEqual(counter("handshakes_failed", b.counters), 0)
        XCTAssertEqual(b.counters.filter { $0.name.hasPrefix("drop_") }, [], "a peer's drops at zero are left out")

        let c = try XCTUnwrap(peer(keyC))
        XCTAssertNil(c.presharedKey)
        XCTAssertNil(c.endpoint)
        XCTAssertEqual(c.allowedIPs, [prefix("100.64.0.3/32"), prefix("2001:db8::3/128")])
        XCTAssertEqual(c.lastHandshakeTimeSec, 0)
        XCTAssertEqual(c.lastHandshakeTimeNsec, 0)
        XCTAssertEqual(c.persistentKeepaliveInterval, 0)

        XCTAssertEqual(s.tunnel.name, "tun7")
        XCTAssertEqual(s.tunnel.role, "server")
        XCTAssertEqual(s.tunnel.addresses, [prefix("100.64.0.1/24")])
        XCTAssertEqual(counter("peers", s.tunnel.counters), 2)
        XCTAssertEqual(counter("sessions", s.tunnel.counters), 1)
        XCTAssertEqual(counter("nat_ports_in_use", s.tunnel.counters), 4, "the mode's counters pass through")
        XCTAssertNotNil(counter("drop_bad_mac", s.tunnel.counters))
    }

    func testDeviceDropsAppearByReason() {
        var garbage = [UInt8](repeating: 0xff, count: 40)
        garbage.withUnsafeMutableBytes { devices.a.receiveDatagram(in: $0, length: 40, from: InMemoryDevices.endpointB, now: devices.now) }
        let counters = bridge.snapshot().tunnel.counters
        let total = counters.filter { $0.name.hasPrefix("drop_") }.reduce(0) { $0 + $1.value }
        XCTAssertEqual(total, 1, "one garbage datagram, one drop")
    }

    func testAPeersDropsGoOutAboveZeroAndComeBackAsEveryReason() throws {
        devices.handshakeAndSend()
        // b seals one more packet and a receives it twice: the second is a replay, b's drop.
        let packet = InMemoryDevices.ipv4Packet(source: "100.64.0.2", destination: "100.64.0.1", payload: 32)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 512, alignment: 16)
        defer { buffer.deallocate() }
        UnsafeMutableRawBufferPointer(rebasing: buffer[WireGuardDevice.headroom...]).copyBytes(from: packet)
        devices.b.sendPacket(in: buffer, length: packet.count, now: devices.now)
        let sealed = try XCTUnwrap(devices.outB.datagrams.last)
        for _ in 0..<2 {
            buffer.copyBytes(from: sealed)
            devices.a.receiveDatagram(in: buffer, length: sealed.count, from: InMemoryDevices.endpointB, now: devices.now)
        }
        let b = try XCTUnwrap(peer(keyB))
        XCTAssertEqual(b.counters.filter { $0.name.hasPrefix("drop_") }, [UAPICounter("drop_replay", 1)])
        XCTAssertEqual(PeerStatus(snapshot: b).drops, DropReason.allCases.map {
            DropCount(reason: $0.counterSuffix, label: $0.description, count: $0 == .replayed ? 1 : 0)
        }, "read back, every reason is there, the replay at 1")
    }

    func testSnapshotRoundTripsThroughTheWire() throws {
        devices.handshakeAndSend()
        let text = UAPIResponseWriter.getResponse(bridge.snapshot(), includeTunnelInfo: true)
        let lines = text.dropLast(2).split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(try UAPIResponseParser.parseGetResponse(lines: Array(lines)), bridge.snapshot())
    }

    // MARK: set, one key at a time

    func testPresharedKeySetAndRemovedWithoutTouchingAllowedIPs() throws {
        let psk = UAPIKey(bytes: [UInt8](repeating: 7, count: 32))!
        try bridge.apply(UAPIConfigurationChange(peers: [UAPIPeerChange(publicKey: keyC, presharedKey: psk)]))
        XCTAssertEqual(peer(keyC)?.presharedKey, psk)
        XCTAssertEqual(peer(keyC)?.allowedIPs.count, 2)
        try bridge.apply(UAPIConfigurationChange(peers: [UAPIPeerChange(publicKey: keyC, presharedKey: .zero)]))
        XCTAssertNil(peer(keyC)?.presharedKey)
        XCTAssertTrue(changes.isEmpty, "no AllowedIPs changed")
    }

    func testEndpointAndKeepalive() throws {
        let e = Endpoint("[2001:db8::9]:4000")!
        try bridge.apply(UAPIConfigurationChange(peers: [UAPIPeerChange(publicKey: keyC, endpoint: e, persistentKeepaliveInterval: 15)]))
        XCTAssertEqual(peer(keyC)?.endpoint, e)
        XCTAssertEqual(peer(keyC)?.persistentKeepaliveInterval, 15)
        try bridge.apply(UAPIConfigurationChange(peers: [UAPIPeerChange(publicKey: keyC, persistentKeepaliveInterval: 0)]))
        XCTAssertEqual(peer(keyC)?.persistentKeepaliveInterval, 0)
        XCTAssertEqual(peer(keyC)?.endpoint, e, "an endpoint not named stays")
    }

    func testAllowedIPsAddReplaceAndMove() throws {
        try bridge.apply(UAPIConfigurationChange(peers: [UAPIPeerChange(publicKey: keyC, allowedIPs: [prefix("10.9.0.7/24")])]))
        XCTAssertEqual(peer(keyC)?.allowedIPs, [prefix("10.9.0.0/24"), prefix("100.64.0.3/32"), prefix("2001:db8::3/128")],
                       "added, host bits cleared")
        try bridge.apply(UAPIConfigurationChange(peers: [UAPIPeerChange(publicKey: keyC, replaceAllowedIPs: true,
                                                                        allowedIPs: [prefix("100.64.0.2/32")])]))
        XCTAssertEqual(peer(keyC)?.allowedIPs, [prefix("100.64.0.2/32")], "replaced, and taken from b")
        XCTAssertEqual(peer(keyB)?.allowedIPs, [], "a prefix has one owner")
        XCTAssertEqual(devices.a.peer(routing: IPAddress("100.64.0.2")!)?.publicKey, devices.keyC)
        let last = try XCTUnwrap(changes.last)
        XCTAssertEqual(Set(last.map(\.publicKey)), [devices.b.publicKey, devices.keyC], "both owners changed")
        XCTAssertEqual(last.first { $0.publicKey == devices.b.publicKey }?.allowedIPsAfter, [])
    }

    func testPrefixMovedAwayAndANamedPeerLaterDoesNotTakeItBack() throws {
        // b gives its prefix to c, then b's own block (without allowed_ip) must not take it back.
        try bridge.apply(UAPIConfigurationChange(peers: [
            UAPIPeerChange(publicKey: keyC, allowedIPs: [prefix("100.64.0.2/32")]),
            UAPIPeerChange(publicKey: keyB, persistentKeepaliveInterval: 5),
        ]))
        XCTAssertEqual(devices.a.peer(routing: IPAddress("100.64.0.2")!)?.publicKey, devices.keyC)
        XCTAssertEqual(peer(keyB)?.persistentKeepaliveInterval, 5)
    }

    func testAddUpdateOnlyAndRemove() throws {
        let newKey = UAPIKey(X25519.publicKey(for: Key(bytes: [UInt8](repeating: 5, count: 32))))
        try bridge.apply(UAPIConfigurationChange(peers: [UAPIPeerChange(publicKey: newKey, updateOnly: true,
                                                                        allowedIPs: [prefix("10.0.0.5/32")])]))
        XCTAssertNil(peer(newKey), "update_only never creates")
        try bridge.apply(UAPIConfigurationChange(peers: [UAPIPeerChange(publicKey: newKey, allowedIPs: [prefix("10.0.0.5/32")])]))
        XCTAssertEqual(peer(newKey)?.allowedIPs, [prefix("10.0.0.5/32")])
        XCTAssertEqual(changes.last?.map(\.wasAdded), [true])
        let addedID = try XCTUnwrap(changes.last?.first?.id)
        try bridge.apply(UAPIConfigurationChange(peers: [UAPIPeerChange(publicKey: newKey, remove: true)]))
        XCTAssertNil(peer(newKey))
        XCTAssertEqual(changes.last, [PeerChange(publicKey: newKey.wireGuardKey, id: addedID,
                                                 allowedIPsBefore: [prefix("10.0.0.5/32")], allowedIPsAfter: nil)],
                       "the mode hears which peer went and what it routed")
    }

    func testReplacePeersKeepsOnlyTheNamedOnesAndTheirSessions() throws {
        devices.handshakeAndSend()
        try bridge.apply(UAPIConfigurationChange(replacePeers: true, peers: [
            UAPIPeerChange(publicKey: keyB, allowedIPs: [prefix("100.64.0.22/32")]),
        ]))
        let s = bridge.snapshot()
        XCTAssertEqual(s.peers.map(\.publicKey), [keyB])
        XCTAssertEqual(s.peers[0].allowedIPs, [prefix("100.64.0.22/32")])
        XCTAssertNil(s.peers[0].presharedKey, "a named peer is reset to what the request says")
        XCTAssertEqual(s.peers[0].persistentKeepaliveInterval, 0)
        XCTAssertTrue(devices.a.peers[0].hasSession, "but keeps its session")
        XCTAssertEqual(changes.last?.filter(\.wasRemoved).map(\.publicKey), [devices.keyC])
    }

    func testNewPrivateKey() throws {
        let newKey = Key(bytes: [UInt8](repeating: 4, count: 32))
        try bridge.apply(UAPIConfigurationChange(privateKey: UAPIKey(newKey)))
        XCTAssertEqual(bridge.snapshot().privateKey, UAPIKey(newKey))
        XCTAssertEqual(devices.a.publicKey, X25519.publicKey(for: newKey))
        try bridge.apply(UAPIConfigurationChange(privateKey: UAPIKey(newKey)))   // the same key again: accepted
    }

    func testSameListenPortAndFwmarkAreAccepted() throws {
        try bridge.apply(UAPIConfigurationChange(listenPort: 51820, fwmark: 0))
        XCTAssertEqual(bridge.snapshot().listenPort, 51820)
    }

    func testListenPortAndFwmarkThroughTheModesHooks() throws {
        var port: UInt16 = 51820
        var marks: [UInt32] = []
        bridge = UAPIBridge(device: devices.a, listenPort: { port }, info: { TunnelStatusInfo(name: "t", role: .client) })
        bridge.changeListenPort = { port = $0; return $0 }
        bridge.changeFwmark = { marks.append($0) }
        try bridge.apply(UAPIConfigurationChange(listenPort: 4000, fwmark: 0x51))
        XCTAssertEqual(bridge.snapshot().listenPort, 4000)
        XCTAssertEqual(bridge.snapshot().fwmark, 0x51)
        XCTAssertEqual(marks, [0x51])
    }

    func testFailingFwmarkPutsThePortBack() {
        var port: UInt16 = 51820
        bridge = UAPIBridge(device: devices.a, listenPort: { port }, info: { TunnelStatusInfo(name: "t", role: .client) })
        bridge.changeListenPort = { port = $0; return $0 }
        bridge.changeFwmark = { _ in throw UAPIError(errno: EPERM, "no") }
        assertRefused(UAPIConfigurationChange(listenPort: 4000, fwmark: 1), errno: EPERM)
        XCTAssertEqual(port, 51820)
    }

    // MARK: refusals leave everything as it was

    func testOwnPublicKeyAsPeerIsRefusedAndNothingElseApplies() {
        assertRefused(UAPIConfigurationChange(replacePeers: true, peers: [
            UAPIPeerChange(publicKey: keyC, allowedIPs: [prefix("10.1.0.0/16")]),
            UAPIPeerChange(publicKey: UAPIKey(devices.a.publicKey)),
        ]), errno: EINVAL)
    }

    func testPeerWithTheNewPrivateKeysPublicKeyIsRefused() {
        let newKey = Key(bytes: [UInt8](repeating: 4, count: 32))
        assertRefused(UAPIConfigurationChange(privateKey: UAPIKey(newKey), peers: [
            UAPIPeerChange(publicKey: UAPIKey(X25519.publicKey(for: newKey))),
        ]), errno: EINVAL)
    }

    func testZeroPeerKeyIsRefused() {
        assertRefused(UAPIConfigurationChange(peers: [UAPIPeerChange(publicKey: .zero)]), errno: EINVAL)
    }

    func testRemovingThePrivateKeyIsRefused() {
        assertRefused(UAPIConfigurationChange(privateKey: .zero, peers: [UAPIPeerChange(publicKey: keyC, remove: true)]),
                      errno: EOPNOTSUPP)
    }

    func testAnotherListenPortOrFwmarkWithoutAHookIsRefused() {
        assertRefused(UAPIConfigurationChange(listenPort: 4000, peers: [UAPIPeerChange(publicKey: keyC, remove: true)]),
                      errno: EOPNOTSUPP)
        assertRefused(UAPIConfigurationChange(fwmark: 7, peers: [UAPIPeerChange(publicKey: keyC, remove: true)]),
                      errno: EOPNOTSUPP)
    }

    func testRefusedSetOverTheSocketAnswersTheErrno() throws {
        let request = try UAPIRequest.parse(text: "set=1\nlisten_port=4000\n")
        guard case .set(let change) = request else { return XCTFail("not a set request") }
        XCTAssertThrowsError(try bridge.apply(change)) { error in
            XCTAssertEqual(UAPIResponseWriter.errnoResponse(error as? UAPIError), "errno=-\(EOPNOTSUPP)\n\n")
        }
    }
}
