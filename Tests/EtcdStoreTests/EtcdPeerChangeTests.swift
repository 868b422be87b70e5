// EtcdPeerChange: the guards and writes an edit of the peers becomes, without etcd.
import Addresses
import Config
import EtcdClient
@testable import EtcdStore
import Foundation
import Peers
import WireGuard
import XCTest

final class EtcdPeerChangeTests: XCTestCase {
    private let layout = EtcdKeyLayout(prefix: "/t")
    private let alice = PeerSection(name: "alice", publicKey: Key(bytes: [UInt8](repeating: 1, count: 32)),
                                    allowedIPs: [try! IPPrefix(parsing: "100.64.0.2/32")])
    private let bob = PeerSection(name: "bob", publicKey: Key(bytes: [UInt8](repeating: 0xfb, count: 32)),
                                  allowedIPs: [try! IPPrefix(parsing: "100.64.0.3/32")])

    private func snapshot(_ peers: [(PeerSection, Int64)], invites: [(Invite, Int64)] = []) throws -> EtcdSnapshot {
        let encoder = JSONEncoder()
        return try EtcdSnapshot(peers: peers.map { EtcdKeyValue(key: layout.peer($0.0.publicKey), value: try PeerDocument.encode($0.0),
                                                                createRevision: $0.1, modRevision: $0.1, version: 1) },
                                invites: invites.map { EtcdKeyValue(key: layout.invite($0.0.key), value: try encoder.encode($0.0),
                                                                    createRevision: $0.1, modRevision: $0.1, version: 1) })
    }

    private func contents(_ peers: [PeerSection], invites: [Invite] = []) -> PeerStoreContents {
        PeerStoreContents(config: WireGuardConfig(interface: InterfaceSection(privateKey: Key(bytes: [UInt8](repeating: 9, count: 32))),
                                                  peers: peers), invites: invites)
    }

    func testKeysAreSpeltWithoutSlashesAndThePrefixEndsInOne() {
        XCTAssertEqual(layout.prefix, "/t/")
        XCTAssertEqual(layout.peer(bob.publicKey), "/t/peers/-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_s")
        XCTAssertEqual(layout.address(bob.allowedIPs[0]), "/t/addresses/100.64.0.3/32")
        XCTAssertEqual(EtcdKeyLayout.key(named: EtcdKeyLayout.keyName(bob.publicKey)), bob.publicKey)
        XCTAssertNil(EtcdKeyLayout.key(named: "-_v7"), "not 32 bytes")
        XCTAssertNil(EtcdKeyLayout.key(named: "/t/peers"), "not base64url")
        XCTAssertEqual(layout.usageParts("/t/usage/a/xyz")?.server, "a")
        XCTAssertNil(layout.usageParts("/t/usage/a"))
    }

    func testANewPeerIsCreatedOnlyIfItsKeyNameAndAddressAreFree() throws {
        let change = try EtcdPeerChange(layout: layout, before: try snapshot([(alice, 5)]), after: contents([alice, bob]))
        XCTAssertEqual(change.compares, [.version(layout.peer(bob.publicKey), .equal, 0),
                                         .version("/t/names/bob", .equal, 0),
                                         .version("/t/addresses/100.64.0.3/32", .equal, 0)])
        XCTAssertEqual(change.operations, [.put(layout.peer(bob.publicKey), try PeerDocument.encode(bob)),
                                           .put("/t/names/bob", bob.publicKey.base64),
                                           .put("/t/addresses/100.64.0.3/32", bob.publicKey.base64)])
    }

    func testAChangeComparesTheRevisionReadAndARemovalFreesNameAndAddress() throws {
        var disabled = alice
        disabled.notes = [PeerNote(key: "Disabled", value: "true")]
        let change = try EtcdPeerChange(layout: layout, before: try snapshot([(alice, 5), (bob, 7)]),
                                        after: contents([disabled]))
        XCTAssertEqual(change.compares, [.modRevision(layout.peer(bob.publicKey), .equal, 7),
                                         .modRevision(layout.peer(alice.publicKey), .equal, 5)])
        XCTAssertEqual(change.operations, [.delete(layout.peer(bob.publicKey)), .delete("/t/names/bob"),
                                           .delete("/t/addresses/100.64.0.3/32"),
                                           .put(layout.peer(alice.publicKey), try PeerDocument.encode(disabled))])
    }

    func testBurningAnInviteComparesItsRevisionSoOnlyOneServerWins() throws {
        let invite = Invite(name: "carol", key: Key(bytes: [UInt8](repeating: 3, count: 32)), created: 0, expires: 100)
        let change = try EtcdPeerChange(layout: layout, before: try snapshot([], invites: [(invite, 8)]), after: contents([]))
        XCTAssertEqual(change.compares, [.modRevision(layout.invite(invite.key), .equal, 8)])
        XCTAssertEqual(change.operations, [.delete(layout.invite(invite.key))])
        let none = try EtcdPeerChange(layout: layout, before: try snapshot([(alice, 5)]), after: contents([alice]))
        XCTAssertTrue(none.isEmpty, "an edit that changed nothing writes nothing")
    }

    func testAPeerSurvivesTheDocumentRoundTrip() throws {
        var section = alice
        section.presharedKey = Key(bytes: [UInt8](repeating: 7, count: 32))
        section.notes = [PeerNote(key: "Rate", value: "20mbit"), PeerNote(key: "Quota", value: "5G/month")]
        XCTAssertEqual(try PeerDocument.decode(try PeerDocument.encode(section)), section)
    }

    func testUsageIsSummedOverServersInTheLatestPeriod() {
        let a = PeerUsage(rxBytes: 10, txBytes: 20, quotaBytes: 30, periodStart: 1000, lastHandshake: 5)
        let b = PeerUsage(rxBytes: 1, txBytes: 2, quotaBytes: 3, periodStart: 1000, lastHandshake: 9)
        let old = PeerUsage(rxBytes: 100, txBytes: 200, quotaBytes: 300, periodStart: 10)
        XCTAssertEqual(PeerUsage.sum([a, b, old]),
                       PeerUsage(rxBytes: 111, txBytes: 222, quotaBytes: 33, periodStart: 1000, lastHandshake: 9))
    }
}
