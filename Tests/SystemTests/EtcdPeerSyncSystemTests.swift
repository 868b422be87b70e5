// EtcdPeerSync, a server's follower of the peers in etcd, in-process against a real
// three-member cluster: it hands over each change within a second, and when the history
// it would watch from was compacted it lists again and still ends up with exactly what
// etcd holds.
import Config
import EtcdClient
import EtcdStore
import Foundation
import Logging
import Peers
import XCTest

final class EtcdPeerSyncSystemTests: XCTestCase {
    private final class Received: @unchecked Sendable {
        private let lock = NSLock()
        private var diffs: [[String?]] = []
        func add(_ diff: ServerPeerDiff) { lock.withLock { diffs.append(diff.sections.map(\.name)) } }
        var last: [String?]? { lock.withLock { diffs.last } }
        var count: Int { lock.withLock { diffs.count } }
    }

    func testChangesArriveAndACompactedHistoryLeadsToANewList() throws {
        try requireSystemTestPrerequisites(tools: ["etcd", "etcdctl"])
        let etcd = try EtcdCluster(test: self)
        let path = etcd.topo.logDirectory.appendingPathComponent("sync.conf").path
        let config = ServerConfigFile.newConfig(listen: .init("192.0.2.1:51820")!, addresses: [try .init(parsing: "100.64.0.1/24")])
        try ServerConfigFile.save(config, path: path)
        let store = EtcdPeerStore(client: try etcd.makeClient(), layout: EtcdKeyLayout(prefix: "/sync-test/"), configPath: path)
        _ = try PeerManagement.add(PeerAddRequest(name: "before", configPath: path), store: store)
        let sync = EtcdPeerSync(store: store, serverID: "t", interface: config, listen: "192.0.2.1:51820", version: "test",
                                logger: Logger(label: "sync-test"))
        let start = try sync.start()
        XCTAssertEqual(start.peers.map(\.name), ["before"])
        defer { sync.stop() }

        // Changes made after the list, then the history compacted, before following starts:
        // the watch from the list's revision finds it gone and lists again.
        _ = try PeerManagement.add(PeerAddRequest(name: "added", configPath: path), store: store)
        _ = try PeerManagement.remove(name: "before", store: store)
        let status = try etcd.etcdctl("endpoint", "status", "-w", "json")
        let revision = try XCTUnwrap(status.range(of: #""revision":(\d+)"#, options: .regularExpression)
            .map { status[$0].split(separator: ":")[1] })
        try etcd.etcdctl("compaction", String(revision))
        let received = Received()
        sync.follow(onPeers: { received.add($0) }, onOthersUsage: { _ in })
        XCTAssertTrue(etcd.topo.waitUntil(timeout: 5) { received.last == ["added"] }, "\(String(describing: received.last))")

        // Then each change within a second or so.
        let before = received.count
        _ = try PeerManagement.add(PeerAddRequest(name: "third", configPath: path), store: store)
        XCTAssertTrue(etcd.topo.waitUntil(timeout: 2) { received.last == ["added", "third"] }, "\(String(describing: received.last))")
        XCTAssertEqual(received.count, before + 1, "one change, one diff")
        XCTAssertEqual(sync.invites, [])
    }
}
