// The gateway's JSON without an etcd: int64 fields as strings, bytes as base64, zero
// values left out, prefix range ends, stream splitting, error messages.
import AsyncHTTPClient
@testable import EtcdClient
import Foundation
import NIOCore
import XCTest

final class EtcdJSONTests: XCTestCase {
    /// Compares JSON by meaning, not by the encoder's key order.
    private func assertJSON(_ value: some Encodable, _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let encoded = try EtcdJSON.encode(value)
        let actual = try JSONSerialization.jsonObject(with: encoded) as? NSDictionary
        let wanted = try JSONSerialization.jsonObject(with: Data(expected.utf8)) as? NSDictionary
        XCTAssertEqual(actual, wanted, String(decoding: encoded, as: UTF8.self), file: file, line: line)
    }

    func testPutEncodesKeyAndValueAsBase64AndLeaseAsAString() throws {
        // "/tunnel/a" and "{}" in base64; the lease id beyond 2^53, where a JSON number would lose digits.
        try assertJSON(EtcdOp.Body(op: .put(key: "/tunnel/a", value: Data("{}".utf8), lease: 7_587_869_213_001_245_185)),
                       #"{"key":"L3R1bm5lbC9h","value":"e30=","lease":"7587869213001245185"}"#)
        try assertJSON(EtcdOp.Body(op: .put("/k", "")), #"{"key":"L2s=","value":""}"#)
    }

    func testRangeByPrefixSendsTheIncrementedPrefixAsRangeEnd() throws {
        // "/tunnel/" ends before "/tunnel0": '/' + 1 is '0'.
        try assertJSON(EtcdOp.Body(op: .range(key: "/tunnel/", prefix: true, revision: 42, limit: 10)),
                       #"{"key":"L3R1bm5lbC8=","range_end":"L3R1bm5lbDA=","revision":"42","limit":"10"}"#)
        try assertJSON(EtcdOp.Body(op: .get("/tunnel/")), #"{"key":"L3R1bm5lbC8="}"#)
        try assertJSON(EtcdOp.Body(op: .delete(key: "/p/", prefix: true, previous: true)),
                       #"{"key":"L3Av","range_end":"L3Aw","prev_kv":true}"#)
    }

    func testPrefixEndIsEtcdsGetPrefixRangeEnd() {
        XCTAssertEqual(EtcdJSON.prefixEnd(Array("abc".utf8)), Array("abd".utf8))
        XCTAssertEqual(EtcdJSON.prefixEnd([0x61, 0xff]), [0x62])
        XCTAssertEqual(EtcdJSON.prefixEnd([0xff, 0xff]), [0])
        XCTAssertEqual(EtcdJSON.prefixEnd([]), [0])
    }

    func testTxnEncodesComparesAndWrappedOps() throws {
        let txn = EtcdTxn(if: [.version("/a", .equal, 0), .modRevision("/b", .less, 9_007_199_254_740_993),
                               .value("/c", .notEqual, Data("x".utf8)), .createRevision("/d", .greater, 3)],
                          then: [.put("/a", "1"), .delete("/b")],
                          else: [.get("/a")])
        try assertJSON(txn, #"""
            {"compare":[
               {"key":"L2E=","result":"EQUAL","target":"VERSION","version":"0"},
               {"key":"L2I=","result":"LESS","target":"MOD","mod_revision":"9007199254740993"},
               {"key":"L2M=","result":"NOT_EQUAL","target":"VALUE","value":"eA=="},
               {"key":"L2Q=","result":"GREATER","target":"CREATE","create_revision":"3"}],
             "success":[{"request_put":{"key":"L2E=","value":"MQ=="}},{"request_delete_range":{"key":"L2I="}}],
             "failure":[{"request_range":{"key":"L2E="}}]}
            """#)
        XCTAssertFalse(txn.isReadOnly)
        XCTAssertTrue(EtcdTxn(if: [], then: [.get("/a")], else: [.range(key: "/", prefix: true)]).isReadOnly)
    }

    func testRangeResponseDecodesStringsBase64AndMissingZeroes() throws {
        // As etcd 3.4 writes it: ids past Int64.max, int64s as strings, "more" and a kv's
        // lease left out because they are zero.
        let json = #"""
            {"header":{"cluster_id":"14841639068965178418","member_id":"10276657743932975437","revision":"7","raft_term":"2"},
             "kvs":[{"key":"L3R1bm5lbC9h","create_revision":"5","mod_revision":"7","version":"3","value":"AP8="}],
             "count":"1"}
            """#
        let r = try EtcdJSON.decode(EtcdRangeResponse.self, from: Data(json.utf8))
        XCTAssertEqual(r.header, EtcdResponseHeader(clusterID: 14_841_639_068_965_178_418, memberID: 10_276_657_743_932_975_437,
                                                    revision: 7, raftTerm: 2))
        XCTAssertEqual(r.kvs, [EtcdKeyValue(key: "/tunnel/a", value: Data([0x00, 0xff]), createRevision: 5, modRevision: 7, version: 3, lease: 0)])
        XCTAssertEqual(r.count, 1)
        XCTAssertFalse(r.more)

        let empty = try EtcdJSON.decode(EtcdRangeResponse.self, from: Data(#"{"header":{"revision":"9"}}"#.utf8))
        XCTAssertEqual(empty.kvs, [])
        XCTAssertEqual(empty.count, 0)
        XCTAssertEqual(empty.header.revision, 9)

        XCTAssertThrowsError(try EtcdJSON.decode(EtcdRangeResponse.self, from: Data(#"{"count":"many"}"#.utf8)))
    }

    func testTxnResponseDecodesEachBranchResult() throws {
        let json = #"""
            {"header":{"revision":"12"},
             "responses":[{"response_range":{"header":{"revision":"12"},"kvs":[{"key":"L2E=","value":"MQ==","create_revision":"11","mod_revision":"11","version":"1"}],"count":"1"}},
                          {"response_put":{"header":{"revision":"12"}}},
                          {"response_delete_range":{"header":{"revision":"12"},"deleted":"2"}}]}
            """#
        let r = try EtcdJSON.decode(EtcdTxnResponse.self, from: Data(json.utf8))
        XCTAssertFalse(r.succeeded, "succeeded is left out when false")
        XCTAssertEqual(r.responses.count, 3)
        XCTAssertEqual(r.responses[0].range?.kvs.map(\.valueString), ["1"])
        guard case .put(let put) = r.responses[1], case .delete(let delete) = r.responses[2] else {
            return XCTFail("\(r.responses)")
        }
        XCTAssertEqual(put.header.revision, 12)
        XCTAssertNil(put.previous)
        XCTAssertEqual(delete.deleted, 2)
    }

    func testLeaseFieldsUseTheirCapitalisedProtoNames() throws {
        let r = try EtcdJSON.decode(EtcdLeaseResponse.self, from: Data(#"{"header":{"revision":"3"},"ID":"7587869213001245185","TTL":"60"}"#.utf8))
        XCTAssertEqual(r.id, 7_587_869_213_001_245_185)
        XCTAssertEqual(r.ttl, 60)
    }

    func testWatchResponsesBecomeTypedEvents() throws {
        func decode(_ json: String) throws -> EtcdWatch.WatchResponse {
            try EtcdJSON.decode(EtcdStreamMessage<EtcdWatch.WatchResponse>.self, from: Data(json.utf8)).unwrap(endpoint: "e")
        }
        let created = try decode(#"{"result":{"header":{"revision":"4"},"created":true}}"#)
        XCTAssertTrue(created.created)
        XCTAssertEqual(created.events, [])

        let changes = try decode(#"""
            {"result":{"header":{"revision":"6"},"events":[
              {"kv":{"key":"L2E=","value":"MQ==","create_revision":"5","mod_revision":"5","version":"1"}},
              {"type":"DELETE","kv":{"key":"L2E=","mod_revision":"6"}}]}}
            """#)
        XCTAssertEqual(changes.events, [
            .put(EtcdKeyValue(key: "/a", value: Data("1".utf8), createRevision: 5, modRevision: 5, version: 1), previous: nil),
            .delete(EtcdKeyValue(key: "/a", value: Data(), createRevision: 0, modRevision: 6, version: 0), previous: nil),
        ])
        XCTAssertFalse(changes.ends)

        let compacted = try decode(#"{"result":{"header":{"revision":"9"},"canceled":true,"compact_revision":"8"}}"#)
        XCTAssertEqual(compacted.events, [.compacted(compactRevision: 8)])
        XCTAssertTrue(compacted.ends)
        let canceled = try decode(#"{"result":{"header":{},"canceled":true,"cancel_reason":"permission denied"}}"#)
        XCTAssertEqual(canceled.events, [.canceled(reason: "permission denied")])

        XCTAssertThrowsError(try decode(#"{"error":{"grpc_code":14,"http_code":503,"message":"etcdserver: no leader"}}"#)) { error in
            XCTAssertEqual(error as? EtcdError, .server(endpoint: "e", status: 503, code: 14, message: "etcdserver: no leader"))
        }
    }

    func testStreamMessagesAreFoundAcrossAnyChunkBoundaries() async throws {
        let messages = [#"{"result":{"a":"}{\"x"}}"#, #"{"result":{"b":[1,{"c":2}]}}"#, #"{"result":{}}"#]
        let whole = Array((messages.joined(separator: "\n") + "\n").utf8)
        // Every way of cutting the stream in two, and one byte at a time.
        var cuts: [[[UInt8]]] = (0...whole.count).map { [Array(whole[..<$0]), Array(whole[$0...])] }
        cuts.append(whole.map { [$0] })
        for chunks in cuts {
            let body = HTTPClientResponse.Body.stream(AsyncStream<ByteBuffer> { continuation in
                for chunk in chunks { continuation.yield(ByteBuffer(bytes: chunk)) }
                continuation.finish()
            })
            var lines = EtcdStreamLines(body, endpoint: "e")
            var found: [String] = []
            while let line = try await lines.next() { found.append(String(decoding: line, as: UTF8.self)) }
            XCTAssertEqual(found, messages)
        }
    }

    func testConfigurationTakesOnlyHTTPAndHTTPSEndpoints() throws {
        let c = try EtcdClientConfiguration(endpoints: "http://198.51.100.11:2379, https://etcd.example:2379")
        XCTAssertEqual(c.endpoints.map(\.absoluteString), ["http://198.51.100.11:2379", "https://etcd.example:2379"])
        XCTAssertEqual(c.requestTimeout, .seconds(5))
        XCTAssertThrowsError(try EtcdClientConfiguration(endpoints: "ftp://198.51.100.11:2379")) {
            XCTAssertEqual($0 as? EtcdError, .invalidEndpoint("ftp://198.51.100.11:2379"))
        }
        XCTAssertThrowsError(try EtcdClientConfiguration(endpoints: ""))
    }

    func testErrorsSayWhichMemberAndWhy() {
        XCTAssertEqual(EtcdError.unavailable(endpoints: ["http://a:2379", "http://b:2379"], seconds: 15,
                                             causes: ["connection refused", "connect timed out"]).description,
                       "no etcd member answered within 15 s (http://a:2379: connection refused; http://b:2379: connect timed out)")
        XCTAssertEqual(EtcdError.server(endpoint: "http://a:2379", status: 400, code: 3,
                                        message: "etcdserver: mvcc: required revision has been compacted").description,
                       "etcd http://a:2379 refused the request (HTTP 400, code 3): etcdserver: mvcc: required revision has been compacted")
        XCTAssertEqual(EtcdError.unavailable(endpoints: ["http://a:2379"], seconds: 2.5, causes: ["no answer in time"]).description,
                       "no etcd member answered within 2.5 s (http://a:2379: no answer in time)")
    }
}
