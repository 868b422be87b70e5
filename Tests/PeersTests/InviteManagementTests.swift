// `tunnel peer invite` and the server's half of enrolment on a temporary server config:
// what the invites file keeps (never the code), burning on enrolment (before the peer is
// added, so a failure after it still leaves the code used), refusals, expiry, withdrawal,
// and the messages that travel in the enrolment session.
import Addresses
import Config
import Foundation
import WireGuard
import XCTest
@testable import Peers

final class InviteManagementTests: XCTestCase {
    private var dir = ""
    private var path: String { dir + "/server.conf" }
    private var invitesPath: String { InviteStore.path(forConfig: path) }
    private let now: Int64 = 1_800_000_000
    private let clientKey = X25519.publicKey(for: Key(bytes: [UInt8](repeating: 7, count: Key.byteCount)))

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("invites-\(UUID())").path
        _ = try ServerConfigFile.createIfMissing(path: path, listen: Endpoint("192.0.2.1:51820")!,
                                                 addresses: [try IPPrefix(parsing: "100.64.0.1/24")])
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    private func invite(_ name: String, expiresIn: String? = nil, dns: [String] = []) throws -> InviteCode {
        let output = try PeerManagement.invite(PeerInviteRequest(name: name, configPath: path, expiresIn: expiresIn,
                                                                 dns: dns), now: now)
        let lines = output.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 2, "the code alone on its line: \(output.standardOutput)")
        return try InviteCode(parsing: String(lines[0]))
    }

    func testTheInvitesFileKeepsOnlyTheDerivedKeyAndTheCodeFindsTheServer() throws {
        let code = try invite("alice", dns: ["192.0.2.53"])
        let config = try ServerConfigFile.load(path: path)
        XCTAssertEqual(code.serverPublicKey, X25519.publicKey(for: config.interface.privateKey))
        XCTAssertEqual(code.endpoint.description, "192.0.2.1:51820")
        let stored = try InviteStore.load(configPath: path)
        XCTAssertEqual(stored, [Invite(name: "alice", key: code.derivedKeyPair.publicKey, created: now,
                                       expires: now + 24 * 3600, dns: ["192.0.2.53"])])
        let text = try String(contentsOfFile: invitesPath, encoding: .utf8)
        XCTAssertFalse(text.contains(try code.text()), "no plain code")
        XCTAssertFalse(text.contains(code.secret.base64), "no secret")
        XCTAssertFalse(text.contains(code.derivedKeyPair.privateKey.base64), "no derived private key")
        let mode = try FileManager.default.attributesOfItem(atPath: invitesPath)[.posixPermissions] as? NSNumber
        XCTAssertEqual(mode?.intValue, 0o600)
        XCTAssertEqual(config.peers.count, 0, "an invite is no peer yet")
    }

    func testEnrolmentBurnsTheInviteAndAddsTheClientUnderItsOwnKey() throws {
        let code = try invite("alice", dns: ["192.0.2.53"])
        let enrolled = try PeerManagement.enrol(configPath: path, inviteKey: code.derivedKeyPair.publicKey,
                                                clientKey: clientKey, now: now + 60)
        XCTAssertEqual(enrolled.name, "alice")
        XCTAssertEqual(try InviteStore.load(configPath: path), [], "burnt")
        let peers = try ServerConfigFile.load(path: path).peers
        XCTAssertEqual(peers.map(\.name), ["alice"])
        XCTAssertEqual(peers.map(\.publicKey), [clientKey])
        XCTAssertEqual(peers.first?.allowedIPs.map(\.description), ["100.64.0.2/32"])
        let client = try WireGuardConfig(parsing: enrolled.clientConfig, fileName: "answer")
        XCTAssertEqual(client.interface.privateKey, Key(bytes: [UInt8](repeating: 0, count: Key.byteCount)),
                       "the server never had the client's private key to write")
        XCTAssertEqual(client.interface.addresses.map(\.description), ["100.64.0.2/32"])
        XCTAssertEqual(client.interface.dns.map(\.description), ["192.0.2.53"])
        XCTAssertEqual(client.peers.first?.presharedKey, peers.first?.presharedKey)
        XCTAssertEqual(client.peers.first?.publicKey, code.serverPublicKey)

        XCTAssertThrowsError(try PeerManagement.enrol(configPath: path, inviteKey: code.derivedKeyPair.publicKey,
                                                      clientKey: clientKey, now: now + 61)) { error in
            XCTAssertEqual(error as? EnrolmentRefusal, .unknownInvite, "a code works once")
        }
        XCTAssertEqual(try ServerConfigFile.load(path: path).peers.count, 1)
    }

    func testAnExpiredInviteIsRefusedAndBurnt() throws {
        let code = try invite("bob", expiresIn: "10m")
        XCTAssertThrowsError(try PeerManagement.enrol(configPath: path, inviteKey: code.derivedKeyPair.publicKey,
                                                      clientKey: clientKey, now: now + 600)) { error in
            XCTAssertEqual("\(error)", "the invite for 'bob' expired at \(RFC3339Time(secondsSinceEpoch: now + 600))")
        }
        XCTAssertEqual(try InviteStore.load(configPath: path), [])
        XCTAssertEqual(try ServerConfigFile.load(path: path).peers.count, 0)
    }

    func testAnEnrolmentThatCannotAddThePeerKeepsTheInviteForAnotherTry() throws {
        let code = try invite("carol")
        // Every client address taken: adding carol fails after her invite is gone.
        try ServerConfigFile.update(path: path) { config in
            config.interface.addresses = [try IPPrefix(parsing: "100.64.0.1/30")]
            config.peers = [PeerSection(name: "other", publicKey: X25519.publicKey(for: X25519.generatePrivateKey()),
                                        allowedIPs: [try IPPrefix(parsing: "100.64.0.2/32")])]
        }
        XCTAssertThrowsError(try PeerManagement.enrol(configPath: path, inviteKey: code.derivedKeyPair.publicKey,
                                                      clientKey: clientKey, now: now))
        XCTAssertEqual(try InviteStore.load(configPath: path).map(\.name), ["carol"], "nothing was stored")
        XCTAssertEqual(try ServerConfigFile.load(path: path).peers.map(\.name), ["other"])
    }

    func testNamesAreUniqueAcrossPeersAndInvitesAndRemoveWithdraws() throws {
        _ = try PeerManagement.add(PeerAddRequest(name: "alice", configPath: path))
        XCTAssertThrowsError(try invite("alice")) { XCTAssertEqual($0 as? PeerManagementError, .nameTaken("alice")) }
        _ = try invite("bob")
        XCTAssertThrowsError(try invite("bob")) { XCTAssertEqual($0 as? PeerManagementError, .nameTaken("bob")) }
        XCTAssertEqual(try PeerManagement.remove(name: "bob", configPath: path),
                       "withdrew the invite for 'bob' from \(path)")
        XCTAssertEqual(try InviteStore.load(configPath: path), [])
        XCTAssertThrowsError(try invite("bad name")) { error in
            XCTAssertTrue("\(error)".hasPrefix("invalid peer name 'bad name'"), "\(error)")
        }
        XCTAssertThrowsError(try invite("dave", expiresIn: "soon")) { error in
            XCTAssertTrue("\(error)".contains("soon"), "\(error)")
        }
        XCTAssertEqual(try InviteStore.load(configPath: path), [], "refusals change nothing")
    }

    func testAPendingInviteIsListedAsInvitedWithItsExpiry() throws {
        _ = try invite("bob", expiresIn: "2h")
        let rows = try PeerManagement.listings(configPath: path, now: now + 60)
        XCTAssertEqual(rows.map(\.name), ["bob"])
        XCTAssertEqual(rows.map(\.state), [.invited])
        XCTAssertEqual(rows.first?.settings.limits.expires, RFC3339Time(secondsSinceEpoch: now + 7200))
        XCTAssertEqual(rows.first?.allowedIPs, [])
        XCTAssertEqual(try PeerManagement.listings(configPath: path, now: now + 7200).count, 0, "an expired invite is gone")
        let table = try PeerManagement.list(configPath: path, json: false, now: now + 60)
        XCTAssertTrue(table.contains("bob") && table.contains("invited") && table.contains(RFC3339Time(secondsSinceEpoch: now + 7200).description),
                      table)
    }

    func testEnrolmentMessagesRoundTripAndRejectOthers() throws {
        let request = EnrolmentMessage.request(publicKey: clientKey)
        XCTAssertEqual(request.withUnsafeBytes { EnrolmentMessage.parseRequest($0) }, clientKey)
        XCTAssertNil(request.withUnsafeBytes { EnrolmentMessage.parseAnswer($0) }, "a request is no answer")
        let answer = try XCTUnwrap(EnrolmentMessage.answer(clientConfig: "[Interface]\n"))
        XCTAssertEqual(answer.withUnsafeBytes { EnrolmentMessage.parseAnswer($0) }, "[Interface]\n")
        XCTAssertNil(answer.withUnsafeBytes { EnrolmentMessage.parseRequest($0) })
        XCTAssertNil(EnrolmentMessage.answer(clientConfig: String(repeating: "x", count: 1500)), "one packet at most")
        var truncated = request
        truncated.removeLast(10)
        XCTAssertNil(truncated.withUnsafeBytes { EnrolmentMessage.parseRequest($0) }, "shorter than its header says")
        let ping: [UInt8] = [0x45, 0, 0, 28] + [UInt8](repeating: 0, count: 24)
        XCTAssertNil(ping.withUnsafeBytes { EnrolmentMessage.parseRequest($0) })
    }
}
