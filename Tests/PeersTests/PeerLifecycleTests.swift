// PeerLifecycle on an in-memory device: a peer that is not active is taken off the device
// (its session with it) and set again when it is; traffic is counted into its usage before
// it leaves; quota, expiry and a usage reset move states as time and traffic do.
import Config
import Logging
import TestSupport
import XCTest
@testable import Peers
@testable import WireGuard

final class PeerLifecycleTests: XCTestCase {
    private var devices: InMemoryDevices!
    private var device: WireGuardDevice { devices.a }
    private var keyB: Key { devices.b.publicKey }
    /// 2027-01-15T00:00:00Z.
    private let t0: Int64 = 1_800_000_000

    override func setUp() { devices = InMemoryDevices() }

    private func config(b notes: [(String, String)] = []) -> WireGuardConfig {
        var b = PeerSection(name: "laptop", publicKey: keyB, presharedKey: devices.psk, allowedIPs: [prefix("100.64.0.2/32")],
                            persistentKeepalive: 25)
        b.notes = notes.map { PeerNote(key: $0.0, value: $0.1) }
        let c = PeerSection(publicKey: devices.keyC, allowedIPs: [prefix("100.64.0.3/32"), prefix("2001:db8::3/128")])
        return WireGuardConfig(interface: InterfaceSection(privateKey: Key(bytes: [UInt8](repeating: 1, count: 32))),
                               peers: [b, c])
    }

    private func lifecycle(_ start: WireGuardConfig, usage: [Key: PeerUsage] = [:]) -> PeerLifecycle {
        PeerLifecycle(config: start, usage: usage, wallNow: t0, logger: Logger(label: "test"))
    }

    /// The file changes from `old` to `new` at `wallNow`.
    private func change(_ l: PeerLifecycle, from old: WireGuardConfig, to new: WireGuardConfig, at wallNow: Int64) {
        let diff = ServerPeerDiff(from: Dictionary(uniqueKeysWithValues: old.peers.map { ($0.publicKey, $0) }), to: new)
        _ = l.configChanged(diff, device: device, now: devices.now, wallNow: wallNow)
    }

    func testDisableTakesThePeerAndItsSessionOffAndEnableSetsItBack() throws {
        let start = config()
        let l = lifecycle(start)
        devices.handshakeAndSend()
        let before = try XCTUnwrap(device.peer(for: keyB))
        XCTAssertTrue(before.hasSession)
        let (rx, tx) = (before.receivedBytes, before.sentBytes)
        XCTAssertGreaterThan(rx, 0)

        let disabled = config(b: [("Disabled", "true")])
        change(l, from: start, to: disabled, at: t0 + 1)
        XCTAssertNil(device.peer(for: keyB), "off the device: its keypairs are gone, its handshakes unanswered")
        XCTAssertNotNil(device.peer(for: devices.keyC), "the other peer stays")
        XCTAssertEqual(l.states[keyB], .disabled)
        XCTAssertEqual(l.usage[keyB]?.rxBytes, rx, "its traffic was counted before it left")
        XCTAssertEqual(l.usage[keyB]?.txBytes, tx)
        XCTAssertNil(l.tick(device: device, now: devices.now, wallNow: t0 + 2), "nothing to do while nothing changes")

        change(l, from: disabled, to: start, at: t0 + 3)
        let after = try XCTUnwrap(device.peer(for: keyB), "back on the device")
        XCTAssertFalse(after.hasSession, "with no session: it handshakes anew")
        XCTAssertEqual(l.states[keyB], .active)
        XCTAssertEqual(l.usage[keyB]?.rxBytes, rx, "a new peer object's counters start at zero, the totals carry on")
    }

    func testExpiryIsDecidedByTheClock() throws {
        let expiring = config(b: [("Expires", RFC3339Time(secondsSinceEpoch: t0 + 10).description)])
        let l = lifecycle(expiring)
        XCTAssertEqual(l.states[keyB], .active)
        XCTAssertNil(l.tick(device: device, now: devices.now, wallNow: t0 + 9))
        XCTAssertNotNil(device.peer(for: keyB))
        XCTAssertNotNil(l.tick(device: device, now: devices.now, wallNow: t0 + 10), "at the expiry the device changes")
        XCTAssertEqual(l.states[keyB], .expired)
        XCTAssertNil(device.peer(for: keyB))
    }

    func testQuotaCutsOffAndAResetLetsBackIn() throws {
        let start = config()
        let quota = config(b: [("Quota", "100"), ("UsageReset", RFC3339Time(secondsSinceEpoch: t0).description)])
        let l = lifecycle(start)
        change(l, from: start, to: quota, at: t0)
        XCTAssertEqual(l.states[keyB], .active)
        devices.handshakeAndSend()
        let peer = try XCTUnwrap(device.peer(for: keyB))
        let moved = peer.receivedBytes + peer.sentBytes
        XCTAssertGreaterThan(moved, 100, "the handshake and one packet each way pass 100 bytes")
        XCTAssertNotNil(l.tick(device: device, now: devices.now, wallNow: t0 + 1))
        XCTAssertEqual(l.states[keyB], .overQuota)
        XCTAssertNil(device.peer(for: keyB))
        XCTAssertEqual(l.usage[keyB]?.quotaBytes, moved, "exactly what the device counted")

        let reset = config(b: [("Quota", "100"), ("UsageReset", RFC3339Time(secondsSinceEpoch: t0 + 5).description)])
        change(l, from: quota, to: reset, at: t0 + 6)
        XCTAssertEqual(l.states[keyB], .active, "the reset starts the count over")
        XCTAssertEqual(l.usage[keyB]?.quotaBytes, 0)
        XCTAssertEqual(l.usage[keyB]?.rxBytes, peer.receivedBytes, "lifetime totals stay")
        XCTAssertEqual(l.usage[keyB]?.periodStart, t0 + 5)
        XCTAssertNotNil(device.peer(for: keyB))
    }

    func testLoadedUsageOverQuotaKeepsThePeerOffFromTheStart() {
        let quota = config(b: [("Quota", "1K/month")])
        let l = lifecycle(quota, usage: [keyB: PeerUsage(rxBytes: 600, txBytes: 600, quotaBytes: 1_200, periodStart: t0 - 60)])
        XCTAssertEqual(l.states[keyB], .overQuota)
        XCTAssertEqual(l.excluded, [keyB])
        _ = l.startingDiff().apply(to: device, now: devices.now, excluded: l.excluded, log: { _ in })
        XCTAssertNil(device.peer(for: keyB))
        // 2027-02-01: a new month, a new count.
        XCTAssertNotNil(l.tick(device: device, now: devices.now, wallNow: 1_801_440_000))
        XCTAssertEqual(l.states[keyB], .active)
        XCTAssertNotNil(device.peer(for: keyB))
        XCTAssertEqual(l.usage[keyB]?.rxBytes, 600, "lifetime totals stay")
    }

    /// In a cluster each server counts its share; the quota holds for the sum.
    func testOtherServersUsageCountsTowardsTheQuota() {
        let quota = config(b: [("Quota", "1K/month")])
        let l = lifecycle(quota, usage: [keyB: PeerUsage(rxBytes: 300, txBytes: 300, quotaBytes: 600, periodStart: t0 - 60)])
        XCTAssertEqual(l.states[keyB], .active, "600 of 1000 bytes here")
        l.othersUsage = [keyB: PeerUsage(rxBytes: 250, txBytes: 250, quotaBytes: 500, periodStart: t0 - 60)]
        XCTAssertNotNil(l.tick(device: device, now: devices.now, wallNow: t0))
        XCTAssertEqual(l.states[keyB], .overQuota, "1100 of 1000 bytes over both servers")
        XCTAssertEqual(l.totalUsage(of: keyB, wallNow: t0)?.quotaBytes, 1_100)
        XCTAssertEqual(l.usage[keyB]?.quotaBytes, 600, "this server saves only its own count")
        // A count from a period that is over adds nothing to this month's.
        l.othersUsage = [keyB: PeerUsage(rxBytes: 250, txBytes: 250, quotaBytes: 500, periodStart: t0 - 40 * 86_400)]
        XCTAssertNotNil(l.tick(device: device, now: devices.now, wallNow: t0))
        XCTAssertEqual(l.states[keyB], .active)
    }

    func testOnlyTheFilesPeersAreCounted() {
        var onlyB = config()
        onlyB.peers.removeLast()
        let l = lifecycle(onlyB)
        devices.handshakeAndSend()
        l.account(device, wallNow: t0 + 1)
        XCTAssertNotNil(device.peer(for: devices.keyC), "a peer wg set added stays on the device")
        XCTAssertNil(l.usage[devices.keyC], "but gets no usage row")
        XCTAssertGreaterThan(l.usage[keyB]?.rxBytes ?? 0, 0)
    }

    func testABadNoteIsIgnoredNotFatal() {
        let bad = config(b: [("Rate", "fast"), ("Disabled", "maybe")])
        let settings = PeerSettings(bad.peers[0])
        XCTAssertEqual(settings.limits, PeerLimits())
        XCTAssertEqual(settings.problems.count, 2, "\(settings.problems)")
        XCTAssertEqual(lifecycle(bad).states[keyB], .active)
    }
}
