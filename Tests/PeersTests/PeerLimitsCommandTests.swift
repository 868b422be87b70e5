// `tunnel peer set|disable|enable` and `peer list --json` through PeerManagement on a
// temporary server config: values land in the file as notes wg-quick ignores, bad input
// is refused with one line and leaves the file byte for byte as it was, and the listing
// reads the usage file with the same rules the server applies.
import Addresses
import Config
import Foundation
import XCTest
@testable import Peers
import WireGuard

final class PeerLimitsCommandTests: XCTestCase {
    private var dir = ""
    private var path: String { dir + "/server.conf" }
    /// 2027-01-15T08:00:00Z.
    private let now: Int64 = 1_800_000_000 + 8 * 3_600 - 1_800_000_000 % 86_400

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("peerlimits-\(UUID())").path
        _ = try ServerConfigFile.createIfMissing(path: path, listen: Endpoint("192.0.2.1:51820")!)
        _ = try PeerManagement.add(PeerAddRequest(name: "bob", configPath: path))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    private func set(_ request: PeerSetRequest, at time: Int64? = nil) throws -> String {
        try PeerManagement.set(request, now: time ?? now)
    }

    private func bob() throws -> PeerSection { try XCTUnwrap(try ServerConfigFile.load(path: path).peers.first) }

    func testSetWritesNotesThatRoundTripAndWgQuickIgnores() throws {
        let summary = try set(PeerSetRequest(name: "bob", configPath: path, rate: "20mbit", quota: "50G/month",
                                             expiresIn: "7d"))
        XCTAssertEqual(summary, "peer 'bob': enabled, rate 20mbit, quota 50G/month, expires 2027-01-22T08:00:00Z")
        let text = try String(contentsOfFile: path)
        XCTAssertTrue(text.contains("# Rate = 20mbit\n# Quota = 50G/month\n# Expires = 2027-01-22T08:00:00Z\n"), text)
        XCTAssertFalse(text.contains("UsageReset"), "a calendar quota counts its period, whenever it was set")
        let settings = PeerSettings(try bob())
        XCTAssertEqual(settings.limits, PeerLimits(rate: Rate(bitsPerSecond: 20_000_000),
                                                   quota: Quota(limit: ByteSize(bytes: 50_000_000_000), period: .month),
                                                   expires: RFC3339Time(secondsSinceEpoch: now + 7 * 86_400)))
        // The wg form (what `wg setconf` gets) has no notes at all.
        XCTAssertFalse(try ServerConfigFile.load(path: path).render(.wg).contains("#"))

        _ = try set(PeerSetRequest(name: "bob", configPath: path, rate: "off", expires: "never"))
        let lifted = PeerSettings(try bob())
        XCTAssertNil(lifted.limits.rate)
        XCTAssertNil(lifted.limits.expires)
        XCTAssertEqual(lifted.limits.quota?.description, "50G/month", "what was not named stays")
    }

    func testPlainQuotaAndResetUsageWriteAResetTime() throws {
        _ = try set(PeerSetRequest(name: "bob", configPath: path, quota: "1M"))
        XCTAssertEqual(PeerSettings(try bob()).usageReset, now, "a plain quota counts from when it is set")
        _ = try set(PeerSetRequest(name: "bob", configPath: path, resetUsage: true), at: now + 60)
        XCTAssertEqual(PeerSettings(try bob()).usageReset, now + 60)
    }

    func testDisableAndEnable() throws {
        XCTAssertEqual(try set(PeerSetRequest(name: "bob", configPath: path, disabled: true)),
                       "peer 'bob': disabled, rate off, quota off, expires never")
        XCTAssertTrue(PeerSettings(try bob()).limits.disabled)
        XCTAssertEqual(try PeerManagement.listings(configPath: path, now: now).first?.state, .disabled)
        _ = try set(PeerSetRequest(name: "bob", configPath: path, disabled: false))
        XCTAssertFalse(try String(contentsOfFile: path).contains("Disabled"))
        XCTAssertEqual(try PeerManagement.listings(configPath: path, now: now).first?.state, .active)
    }

    func testBadInputIsRefusedInOneLineAndChangesNothing() throws {
        _ = try set(PeerSetRequest(name: "bob", configPath: path, rate: "1mbit"))
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let cases: [(PeerSetRequest, String)] = [
            (PeerSetRequest(name: "alice", configPath: path, rate: "1mbit"), "no peer named 'alice' (peers: bob)"),
            (PeerSetRequest(name: "bob", configPath: path, rate: "fast"), "--rate 'fast': write a number and a unit"),
            (PeerSetRequest(name: "bob", configPath: path, rate: "0"), "--rate '0': a zero rate would block the peer"),
            (PeerSetRequest(name: "bob", configPath: path, rate: "20MBps"), "--rate '20MBps': 'mbps' is bytes per second"),
            (PeerSetRequest(name: "bob", configPath: path, quota: "-5"), "--quota '-5': a size cannot be negative"),
            (PeerSetRequest(name: "bob", configPath: path, quota: "5G/year"), "--quota '5G/year': the period after '/'"),
            (PeerSetRequest(name: "bob", configPath: path, expires: "2020-01-01"), "--expires '2020-01-01': that is in the past"),
            (PeerSetRequest(name: "bob", configPath: path, expires: "tomorrow"), "--expires 'tomorrow': write an RFC 3339"),
            (PeerSetRequest(name: "bob", configPath: path, expiresIn: "-1d"), "--expires-in '-1d': a duration cannot be negative"),
            (PeerSetRequest(name: "bob", configPath: path, expires: "never", expiresIn: "1d"), "not both"),
            (PeerSetRequest(name: "bob", configPath: path), "nothing to change"),
            // A valid value beside a bad one: nothing of either is written.
            (PeerSetRequest(name: "bob", configPath: path, rate: "off", quota: "lots"), "--quota 'lots'"),
        ]
        for (request, expected) in cases {
            XCTAssertThrowsError(try set(request), expected) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains(expected), "'\(message)' should say '\(expected)'")
                XCTAssertFalse(message.contains("\n"), "one line: \(message)")
            }
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before, "unchanged after \(expected)")
        }
    }

    func testListReadsTheUsageFileWithTheServersRules() throws {
        _ = try set(PeerSetRequest(name: "bob", configPath: path, quota: "1M"), at: now - 100)
        let key = try bob().publicKey
        let store = UsageStore(serverConfigPath: path)
        try store.save([key: PeerUsage(rxBytes: 700_000, txBytes: 400_000, quotaBytes: 1_100_000, periodStart: now - 100,
                                       lastHandshake: now - 5)])
        let row = try XCTUnwrap(try PeerManagement.listings(configPath: path, now: now).first)
        XCTAssertEqual(row.state, .overQuota)
        let json = try PeerManagement.list(configPath: path, json: true, now: now)
        let objects = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        let object = try XCTUnwrap(objects.first)
        XCTAssertEqual(object["name"] as? String, "bob")
        XCTAssertEqual(object["public_key"] as? String, key.base64)
        XCTAssertEqual(object["addresses"] as? [String], ["100.64.0.2/32"] + ((object["addresses"] as? [String])?.dropFirst() ?? []))
        XCTAssertEqual(object["state"] as? String, "over-quota")
        XCTAssertEqual((object["rx_bytes"] as? NSNumber)?.uint64Value, 700_000)
        XCTAssertEqual((object["tx_bytes"] as? NSNumber)?.uint64Value, 400_000)
        XCTAssertEqual((object["usage_bytes"] as? NSNumber)?.uint64Value, 1_100_000)
        XCTAssertEqual((object["quota_bytes"] as? NSNumber)?.uint64Value, 1_000_000)
        XCTAssertTrue(object["rate_bits"] is NSNull)
        XCTAssertTrue(object["expires"] is NSNull)
        XCTAssertEqual(object["last_handshake"] as? String, RFC3339Time(secondsSinceEpoch: now - 5).description)

        // --reset-usage with the server down: the listing applies it as the server will.
        _ = try set(PeerSetRequest(name: "bob", configPath: path, resetUsage: true))
        let reset = try XCTUnwrap(try PeerManagement.listings(configPath: path, now: now).first)
        XCTAssertEqual(reset.state, .active)
        XCTAssertEqual(reset.usage.quotaBytes, 0)
        XCTAssertEqual(reset.usage.rxBytes, 700_000, "lifetime totals stay")
        let table = try PeerManagement.list(configPath: path, json: false, now: now)
        XCTAssertTrue(table.contains("bob   active  "), table)
        XCTAssertTrue(table.contains("0 of 1M"), table)
        XCTAssertTrue(table.contains("700K  400K"), table)
    }
}
