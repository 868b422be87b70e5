// EtcdClient against a real three-member etcd in namespaces (EtcdCluster): key round
// trips, prefixes, transactions under a race, compare-and-swap, watches (including from a
// compacted revision), leases, one member killed, every member down and back.
import EtcdClient
import Foundation
import XCTest

final class EtcdClientSystemTests: XCTestCase {
    private func cluster() throws -> EtcdCluster {
        try requireSystemTestPrerequisites(tools: ["etcd", "etcdctl", "ss", "python3"])
        return try EtcdCluster(test: self)
    }

    func testPutGetDeleteRoundTripFromTheClientNamespace() async throws {
        let etcd = try cluster()
        let client = try etcd.makeClient()
        // A key and a value that are not plain ASCII, to see base64 carry bytes both ways.
        let key = "/tunnel/peers/ü+/=?"
        let value = Data([0x00, 0xff, 0x7b, 0x22, 0x0a])
        let put = try await client.kv.put(key, value: value)
        let got = try await client.kv.get(key)
        XCTAssertEqual(got.kvs, [EtcdKeyValue(key: key, value: value, createRevision: put.header.revision,
                                              modRevision: put.header.revision, version: 1)])
        XCTAssertEqual(got.count, 1)
        XCTAssertEqual(got.header.revision, put.header.revision)
        // etcdctl reads what the Swift client wrote: the same bytes under the same key.
        let printed = try etcd.etcdctl("get", key, "-w", "json")
        let kvs = (try JSONSerialization.jsonObject(with: Data(printed.utf8)) as? [String: Any])?["kvs"] as? [[String: Any]]
        XCTAssertEqual(kvs?.count, 1)
        XCTAssertEqual((kvs?.first?["key"] as? String).flatMap { Data(base64Encoded: $0) }, Data(key.utf8))
        XCTAssertEqual((kvs?.first?["value"] as? String).flatMap { Data(base64Encoded: $0) }, value)

        let deleted = try await client.kv.delete(key, previous: true)
        XCTAssertEqual(deleted.deleted, 1)
        XCTAssertEqual(deleted.previous.map(\.value), [value])
        XCTAssertEqual(deleted.header.revision, put.header.revision + 1)
        let gone = try await client.kv.get(key)
        XCTAssertEqual(gone.kvs, [])
        XCTAssertEqual(gone.count, 0)

        // The connection really is the client namespace's: established there to a member,
        // and nothing of the kind in the root namespace the test process runs in.
        let inClient = try etcd.topo.run("client", "ss", "-Htn", "state", "established", "( dport = :2379 )")
        XCTAssertTrue(inClient.contains("198.51.100.100:"), "no connection from the client namespace:\n\(inClient)")
        let inRoot = try Command.check(["ss", "-Htn", "state", "established", "( dport = :2379 )"])
        XCTAssertFalse(inRoot.contains("198.51.100."), "a connection to the cluster from the root namespace:\n\(inRoot)")
    }

    /// AsyncHTTPClient opens a socket on the thread that issues the request; the client
    /// issues requests from its own thread, started inside the namespace. An HTTP server on
    /// the client namespace's loopback is reachable only from there (from the root
    /// namespace the same address refuses, and loopback never leaves either namespace).
    func testConnectionsOpenInTheNamespaceTheClientWasMadeIn() async throws {
        let etcd = try cluster()
        let port = "28379"
        try etcd.topo.spawn("client", name: "loopback-http", ["python3", "-m", "http.server", "--bind", "127.0.0.1", port])
        XCTAssertTrue(etcd.topo.waitUntil {
            (try? etcd.topo.run("client", "ss", "-Hltn", "sport", "=", ":\(port)"))?.isEmpty == false
        }, "the loopback HTTP server did not start:\n\(etcd.topo.processLogs)")
        let client = try etcd.makeClient(endpoints: ["http://127.0.0.1:\(port)"], requestTimeout: .seconds(2))
        do {
            _ = try await client.kv.get("/x")
            XCTFail("python's http.server answered a POST")
        } catch EtcdError.httpStatus(let endpoint, let status, _) {
            // 501: python refuses POST, so the request did reach the namespace's loopback.
            XCTAssertEqual(endpoint, "http://127.0.0.1:\(port)")
            XCTAssertEqual(status, 501)
        }
    }

    func testRangeByPrefixReturnsExactlyThePrefixInKeyOrder() async throws {
        let etcd = try cluster()
        let client = try etcd.makeClient()
        for (k, v) in [("/t/peers/b", "2"), ("/t/peers/a", "1"), ("/t/peersX", "no"), ("/t/names/a", "no"), ("/t/peers/c", "3")] {
            try await client.kv.put(k, v)
        }
        let all = try await client.kv.range(prefix: "/t/peers/")
        XCTAssertEqual(all.kvs.map(\.key), ["/t/peers/a", "/t/peers/b", "/t/peers/c"])
        XCTAssertEqual(all.kvs.map(\.valueString), ["1", "2", "3"])
        XCTAssertEqual(all.count, 3)
        XCTAssertFalse(all.more)

        let two = try await client.kv.range(prefix: "/t/peers/", limit: 2)
        XCTAssertEqual(two.kvs.map(\.key), ["/t/peers/a", "/t/peers/b"])
        XCTAssertEqual(two.count, 3)
        XCTAssertTrue(two.more)

        // At a past revision the range is what it was then.
        let before = try await client.kv.range(prefix: "/t/peers/", revision: all.header.revision - 1)
        XCTAssertEqual(before.kvs.map(\.key), ["/t/peers/a", "/t/peers/b"])

        let removed = try await client.kv.delete(prefix: "/t/peers/")
        XCTAssertEqual(removed.deleted, 3)
        let rest = try await client.kv.range(prefix: "/t/")
        XCTAssertEqual(rest.kvs.map(\.key), ["/t/names/a", "/t/peersX"])
    }

    func testCreateIfAbsentWinsExactlyOnceUnderARace() async throws {
        let etcd = try cluster()
        // Two clients, as two servers would be, each preferring a different member.
        let a = try etcd.makeClient(endpoints: [EtcdCluster.clientURL("etcd1"), EtcdCluster.clientURL("etcd2")])
        let b = try etcd.makeClient(endpoints: [EtcdCluster.clientURL("etcd2"), EtcdCluster.clientURL("etcd1")])
        for round in 0..<10 {
            let key = "/tunnel/addresses/100.64.0.\(round + 2)"
            @Sendable func claim(_ client: EtcdClient, _ owner: String) async throws -> EtcdTxnResponse {
                try await client.kv.txn(EtcdTxn(if: [.version(key, .equal, 0)],
                                                then: [.put(key, owner)],
                                                else: [.get(key)]))
            }
            async let first = claim(a, "alice")
            async let second = claim(b, "bob")
            let results = try await [first, second]
            XCTAssertEqual(results.filter(\.succeeded).count, 1, "round \(round): exactly one create wins")
            let winner = results[0].succeeded ? "alice" : "bob"
            let stored = try await a.kv.get(key)
            XCTAssertEqual(stored.kvs.map(\.valueString), [winner])
            XCTAssertEqual(stored.kvs.first?.version, 1)
            // The loser's failure branch read the winner's value.
            let loser = results.first { !$0.succeeded }!
            XCTAssertEqual(loser.responses.count, 1)
            XCTAssertEqual(loser.responses.first?.range?.kvs.map(\.valueString), [winner])
        }
    }

    func testCompareAndSwapOnModRevision() async throws {
        let etcd = try cluster()
        let client = try etcd.makeClient()
        let key = "/tunnel/peers/k1"
        let first = try await client.kv.put(key, "v1")
        let seen = first.header.revision
        func swap(to value: String, seen: Int64) async throws -> EtcdTxnResponse {
            try await client.kv.txn(EtcdTxn(if: [.modRevision(key, .equal, seen)], then: [.put(key, value)], else: [.get(key)]))
        }
        let swapped = try await swap(to: "v2", seen: seen)
        XCTAssertTrue(swapped.succeeded)
        XCTAssertEqual(swapped.header.revision, seen + 1)
        guard case .put = swapped.responses.first else { return XCTFail("expected a put response: \(swapped.responses)") }

        // The same swap again holds a stale revision: refused, and it shows what is there now.
        let stale = try await swap(to: "v3", seen: seen)
        XCTAssertFalse(stale.succeeded)
        XCTAssertEqual(stale.header.revision, seen + 1)
        XCTAssertEqual(stale.responses.first?.range?.kvs,
                       [EtcdKeyValue(key: key, value: Data("v2".utf8), createRevision: seen, modRevision: seen + 1, version: 2)])
        let now = try await client.kv.get(key)
        XCTAssertEqual(now.kvs.map(\.valueString), ["v2"])

        // A value compare and a multi-key guard: both must hold.
        let both = try await client.kv.txn(EtcdTxn(if: [.value(key, .equal, Data("v2".utf8)), .version("/tunnel/peers/k2", .equal, 0)],
                                                   then: [.put("/tunnel/peers/k2", "new"), .delete(key)]))
        XCTAssertTrue(both.succeeded)
        XCTAssertEqual(both.responses.count, 2)
        let after = try await client.kv.range(prefix: "/tunnel/peers/")
        XCTAssertEqual(after.kvs.map(\.key), ["/tunnel/peers/k2"])
    }

    func testWatchFromARevisionSeesLaterPutsAndDeletesInOrder() async throws {
        let etcd = try cluster()
        let client = try etcd.makeClient()
        try await client.kv.put("/tunnel/names/x", "outside the prefix")
        let listed = try await client.kv.range(prefix: "/tunnel/peers/")
        let r = listed.header.revision
        // Two changes before the watch starts: a watch from r + 1 must replay them.
        try await client.kv.put("/tunnel/peers/a", "1")
        try await client.kv.put("/tunnel/peers/b", "2")
        let watch = try await client.watch(prefix: "/tunnel/peers/", fromRevision: r + 1)
        XCTAssertEqual(watch.createdRevision, r + 2)
        try await client.kv.put("/tunnel/names/y", "outside the prefix")
        try await client.kv.put("/tunnel/peers/a", "1b")
        try await client.kv.delete("/tunnel/peers/b")

        var events: [EtcdWatchEvent] = []
        for try await event in watch {
            events.append(event)
            if events.count == 4 { break }
        }
        watch.cancel()
        XCTAssertEqual(events, [
            .put(EtcdKeyValue(key: "/tunnel/peers/a", value: Data("1".utf8), createRevision: r + 1, modRevision: r + 1, version: 1), previous: nil),
            .put(EtcdKeyValue(key: "/tunnel/peers/b", value: Data("2".utf8), createRevision: r + 2, modRevision: r + 2, version: 1), previous: nil),
            .put(EtcdKeyValue(key: "/tunnel/peers/a", value: Data("1b".utf8), createRevision: r + 1, modRevision: r + 4, version: 2), previous: nil),
            .delete(EtcdKeyValue(key: "/tunnel/peers/b", value: Data(), createRevision: 0, modRevision: r + 5, version: 0), previous: nil),
        ])
        XCTAssertEqual(events.map(\.revision), [r + 1, r + 2, r + 4, r + 5])
    }

    func testWatchFromACompactedRevisionReportsCompaction() async throws {
        let etcd = try cluster()
        let client = try etcd.makeClient()
        let first = try await client.kv.put("/tunnel/peers/a", "1")
        try await client.kv.put("/tunnel/peers/a", "2")
        let third = try await client.kv.put("/tunnel/peers/a", "3")
        try await client.kv.compact(revision: third.header.revision)

        let watch = try await client.watch(prefix: "/tunnel/peers/", fromRevision: first.header.revision)
        var events: [EtcdWatchEvent] = []
        for try await event in watch { events.append(event) }
        XCTAssertEqual(events, [.compacted(compactRevision: third.header.revision)], "the watch reports compaction and ends")

        // What a watcher then does: list again, watch from the list's revision + 1.
        let relisted = try await client.kv.range(prefix: "/tunnel/peers/")
        XCTAssertEqual(relisted.kvs.map(\.valueString), ["3"])
        let again = try await client.watch(prefix: "/tunnel/peers/", fromRevision: relisted.header.revision + 1)
        try await client.kv.put("/tunnel/peers/a", "4")
        var iterator = again.makeAsyncIterator()
        let next = try await iterator.next()
        XCTAssertEqual(next?.revision, relisted.header.revision + 1)
        again.cancel()
    }

    func testLeaseKeepsAKeyUntilRevoked() async throws {
        let etcd = try cluster()
        let client = try etcd.makeClient()
        let lease = try await client.lease.grant(ttl: 60)
        XCTAssertEqual(lease.ttl, 60)
        XCTAssertNotEqual(lease.id, 0)
        try await client.kv.put("/tunnel/servers/s1", "up", lease: lease.id)
        let held = try await client.kv.get("/tunnel/servers/s1")
        XCTAssertEqual(held.kvs.map(\.lease), [lease.id])
        let renewed = try await client.lease.keepAliveOnce(lease.id)
        XCTAssertEqual(renewed.id, lease.id)
        XCTAssertEqual(renewed.ttl, 60)

        let watch = try await client.watch(key: "/tunnel/servers/s1")
        let revoked = try await client.lease.revoke(lease.id)
        let gone = try await client.kv.get("/tunnel/servers/s1")
        XCTAssertEqual(gone.kvs, [])
        // Revoking deletes the key in the revocation's revision, and watchers see it.
        var iterator = watch.makeAsyncIterator()
        let event = try await iterator.next()
        XCTAssertEqual(event, .delete(EtcdKeyValue(key: "/tunnel/servers/s1", value: Data(), createRevision: 0,
                                                   modRevision: revoked.revision, version: 0), previous: nil))
        watch.cancel()

        do {
            _ = try await client.lease.keepAliveOnce(lease.id)
            XCTFail("a keepalive for a revoked lease succeeded")
        } catch let error as EtcdError {
            guard case .leaseNotFound(let id, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(id, lease.id)
        }
    }

    func testEveryCallWorksWithOneOfThreeMembersKilled() async throws {
        let etcd = try cluster()
        let client = try etcd.makeClient()
        try await client.kv.put("/tunnel/peers/before", "1")
        let doomed = try await client.watch(prefix: "/tunnel/")
        XCTAssertEqual(doomed.endpoint, EtcdCluster.clientURL("etcd1"))
        // The first endpoint dies: every call must move on to the next member. If it was the
        // leader, a write sent in the second before the other two elect a new one waits on
        // the dead leader and ends ambiguous (EtcdError.requestFailed), as with any etcd
        // client; so wait for the two to be a healthy cluster, the state "one member down".
        etcd.kill("etcd1")
        // A watch served by the dead member ends with a typed error: watch again elsewhere.
        do {
            for try await event in doomed { XCTFail("an event from a dead member: \(event)") }
            XCTFail("the watch on the dead member ended without an error")
        } catch let error as EtcdError {
            guard case .watchBroken(let endpoint, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(endpoint, EtcdCluster.clientURL("etcd1"))
        }
        try etcd.waitHealthy(["etcd2", "etcd3"])
        let put = try await client.kv.put("/tunnel/peers/after", "2")
        let got = try await client.kv.range(prefix: "/tunnel/peers/")
        XCTAssertEqual(got.kvs.map(\.key), ["/tunnel/peers/after", "/tunnel/peers/before"])
        XCTAssertEqual(got.kvs.map(\.valueString), ["2", "1"])
        let txn = try await client.kv.txn(EtcdTxn(if: [.version("/tunnel/peers/new", .equal, 0)], then: [.put("/tunnel/peers/new", "3")]))
        XCTAssertTrue(txn.succeeded)
        let lease = try await client.lease.grant(ttl: 30)
        XCTAssertEqual(lease.ttl, 30)
        let watch = try await client.watch(prefix: "/tunnel/peers/", fromRevision: put.header.revision)
        XCTAssertNotEqual(watch.endpoint, EtcdCluster.clientURL("etcd1"))
        var iterator = watch.makeAsyncIterator()
        let first = try await iterator.next()
        XCTAssertEqual(first?.revision, put.header.revision)
        watch.cancel()

        // A fresh client whose first choice is the dead member still gets through.
        let fresh = try etcd.makeClient()
        let again = try await fresh.kv.get("/tunnel/peers/after")
        XCTAssertEqual(again.kvs.map(\.valueString), ["2"])
    }

    /// A member that accepts connections but never answers (SIGSTOP: a hung machine).
    func testAHungMemberCostsAReadHalfItsBudgetAndAWriteIsReportedAsUnknown() async throws {
        let etcd = try cluster()
        let client = try etcd.makeClient(requestTimeout: .seconds(4))
        try await client.kv.put("/tunnel/peers/a", "1")
        etcd.pause("etcd1")
        defer { etcd.resume("etcd1") }

        // The read waits 2 s of its 4 at etcd1, then etcd2 or etcd3 answers.
        let started = Date()
        let read = try await client.kv.get("/tunnel/peers/a")
        XCTAssertEqual(read.kvs.map(\.valueString), ["1"])
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 1.9)
        XCTAssertLessThan(Date().timeIntervalSince(started), 4.0)

        // Calls now start at the member that answered, so they are quick again.
        let quick = Date()
        _ = try await client.kv.get("/tunnel/peers/a")
        XCTAssertLessThan(Date().timeIntervalSince(quick), 1.0)

        // A write sent to the hung member is not sent again elsewhere: it may yet be
        // applied when the member wakes, so the caller is told exactly that.
        let stuck = try etcd.makeClient(requestTimeout: .seconds(2))
        do {
            try await stuck.kv.put("/tunnel/peers/b", "2")
            XCTFail("a write to a hung member succeeded")
        } catch let error as EtcdError {
            XCTAssertEqual(error, .requestFailed(endpoint: EtcdCluster.clientURL("etcd1"), cause: "no answer in time"))
        }
    }

    func testTLSWithClientCertificates() async throws {
        try requireSystemTestPrerequisites(tools: ["etcd", "etcdctl", "openssl"])
        let etcd = try EtcdCluster(test: self, tls: true)
        let pki = try XCTUnwrap(etcd.certificates)
        let client = try etcd.makeClient(tls: EtcdTLS(caFile: pki.caFile, certificateFile: pki.clientCertificateFile,
                                                      keyFile: pki.clientKeyFile))
        try await client.kv.put("/tunnel/peers/a", "over TLS")
        let got = try await client.kv.get("/tunnel/peers/a")
        XCTAssertEqual(got.kvs.map(\.valueString), ["over TLS"])
        XCTAssertEqual(try etcd.etcdctl("get", "/tunnel/peers/a", "--print-value-only"), "over TLS\n")
        let watch = try await client.watch(key: "/tunnel/peers/a", fromRevision: got.header.revision)
        var iterator = watch.makeAsyncIterator()
        let event = try await iterator.next()
        XCTAssertEqual(event?.revision, got.header.revision)
        watch.cancel()

        // Members that demand a client certificate refuse a client without one, and a client
        // refuses members whose CA it does not trust: both end as "no member answered".
        for (tls, cause) in [
            (EtcdTLS(caFile: pki.caFile), "TLS: the member refused the client certificate (SSLV3_ALERT_BAD_CERTIFICATE)"),
            (EtcdTLS(caFile: pki.strangerCAFile, certificateFile: pki.clientCertificateFile, keyFile: pki.clientKeyFile),
             "TLS: the member's certificate is not trusted (CERTIFICATE_VERIFY_FAILED)"),
        ] {
            let refused = try etcd.makeClient(requestTimeout: .seconds(2), tls: tls)
            do {
                _ = try await refused.kv.get("/tunnel/peers/a")
                XCTFail("a read succeeded with \(tls)")
            } catch EtcdError.unavailable(let endpoints, let seconds, let causes) {
                XCTAssertEqual(endpoints, etcd.clientURLs)
                XCTAssertEqual(seconds, 2)
                XCTAssertEqual(causes, [cause, cause, cause])
            }
        }
        // A missing file is reported when the client is made, naming the file.
        XCTAssertThrowsError(try EtcdClient(EtcdClientConfiguration(endpoints: etcd.clientURLs.map { URL(string: $0)! },
                                                                    tls: EtcdTLS(caFile: "/nonexistent/ca.pem")))) {
            guard case .tlsFiles(let why) = $0 as? EtcdError else { return XCTFail("\($0)") }
            XCTAssertTrue(why.contains("/nonexistent/ca.pem"), why)
        }
    }

    func testAllMembersDownFailsWithinTheTimeoutNamingEveryMember() async throws {
        let etcd = try cluster()
        let client = try etcd.makeClient(requestTimeout: .seconds(2))
        try await client.kv.put("/tunnel/peers/kept", "1")
        for member in EtcdCluster.members { etcd.kill(member) }

        let started = Date()
        do {
            _ = try await client.kv.get("/tunnel/peers/kept")
            XCTFail("a read succeeded with every member down")
        } catch let error as EtcdError {
            let elapsed = Date().timeIntervalSince(started)
            XCTAssertEqual(error, .unavailable(endpoints: EtcdCluster.clientURLs, seconds: 2,
                                               causes: ["connection refused", "connection refused", "connection refused"]))
            XCTAssertEqual(error.description, "no etcd member answered within 2 s (http://198.51.100.11:2379: connection refused; "
                           + "http://198.51.100.12:2379: connection refused; http://198.51.100.13:2379: connection refused)")
            XCTAssertGreaterThanOrEqual(elapsed, 1.9, "it kept trying for its whole budget")
            XCTAssertLessThan(elapsed, 3.0, "it gave up when its budget was spent")
        }
        do {
            _ = try await client.kv.put("/tunnel/peers/refused", "2")
            XCTFail("a write succeeded with every member down")
        } catch EtcdError.unavailable(let endpoints, _, _) {
            XCTAssertEqual(endpoints, EtcdCluster.clientURLs)
        }

        // Back on their data: the same client works again with nothing lost.
        for member in EtcdCluster.members { try etcd.start(member) }
        try etcd.waitHealthy(EtcdCluster.members)
        let kept = try await client.kv.get("/tunnel/peers/kept")
        XCTAssertEqual(kept.kvs.map(\.valueString), ["1"])
    }
}
