// A watch on a key or a prefix from a revision: an AsyncSequence of EtcdWatchEvent over
// one streaming POST to /v3/watch. It ends after .compacted or .canceled, and throws
// EtcdError.watchBroken when the connection does: in every case the watcher lists
// again (or resumes from the last revision it saw + 1) and watches anew.
import AsyncHTTPClient
import Foundation
import NIOCore

public struct EtcdWatch: AsyncSequence, Sendable {
    public typealias Element = EtcdWatchEvent

    /// The member serving this watch.
    public let endpoint: String
    /// The store's revision when etcd set the watch up.
    public let createdRevision: Int64
    private let events: AsyncThrowingStream<EtcdWatchEvent, Error>
    private let reader: Task<Void, Never>

    public func makeAsyncIterator() -> AsyncThrowingStream<EtcdWatchEvent, Error>.AsyncIterator {
        events.makeAsyncIterator()
    }

    /// Stops the watch and closes its connection; a waiting iterator then ends.
    public func cancel() { reader.cancel() }

    static func open(_ client: EtcdClient, key: String, prefix: Bool, fromRevision: Int64,
                     previousValues: Bool) async throws -> EtcdWatch {
        let request = CreateRequest(key: key, prefix: prefix, startRevision: fromRevision, previousValues: previousValues)
        let (endpoint, response) = try await client.openStream("/v3/watch", request)
        var lines = EtcdStreamLines(response.body, endpoint: endpoint)
        // Wait for etcd's "created" so the caller knows the watch is in place; anything
        // etcd reports before it is delivered first.
        var early: [EtcdWatchEvent] = []
        var createdRevision: Int64 = 0
        var ended = false
        while true {
            guard let response = try await Self.nextResponse(&lines, endpoint: endpoint) else {
                throw EtcdError.watchBroken(endpoint: endpoint, cause: "stream ended before the watch was created")
            }
            early += response.events
            if response.ends { ended = true }
            if response.created || ended {
                createdRevision = response.header.revision
                break
            }
        }
        let (events, continuation) = AsyncThrowingStream<EtcdWatchEvent, Error>.makeStream()
        for event in early { continuation.yield(event) }
        let startedEnded = ended
        let reader = Task {
            if startedEnded {
                continuation.finish()
                return
            }
            do {
                while let response = try await Self.nextResponse(&lines, endpoint: endpoint) {
                    for event in response.events { continuation.yield(event) }
                    if response.ends {
                        continuation.finish()
                        return
                    }
                }
                continuation.finish(throwing: EtcdError.watchBroken(endpoint: endpoint, cause: "stream ended"))
            } catch is CancellationError {
                continuation.finish()
            } catch {
                continuation.finish(throwing: Task.isCancelled ? nil : error)
            }
        }
        continuation.onTermination = { _ in reader.cancel() }
        return EtcdWatch(endpoint: endpoint, createdRevision: createdRevision, events: events, reader: reader)
    }

    private static func nextResponse(_ lines: inout EtcdStreamLines, endpoint: String) async throws -> WatchResponse? {
        guard let line = try await lines.next() else { return nil }
        let message: EtcdStreamMessage<WatchResponse>
        do {
            message = try EtcdJSON.decode(EtcdStreamMessage<WatchResponse>.self, from: line)
        } catch {
            throw EtcdError.malformedResponse(endpoint: endpoint, detail: "\(error)")
        }
        do {
            return try message.unwrap(endpoint: endpoint)
        } catch let error as EtcdError {
            throw EtcdError.watchBroken(endpoint: endpoint, cause: error.description)
        }
    }

    private struct CreateRequest: Encodable {
        let key: String
        let prefix: Bool
        let startRevision: Int64
        let previousValues: Bool

        private enum Outer: String, CodingKey { case createRequest = "create_request" }
        private enum CodingKeys: String, CodingKey {
            case key, rangeEnd = "range_end", startRevision = "start_revision", prevKV = "prev_kv"
        }

        func encode(to encoder: Encoder) throws {
            var outer = encoder.container(keyedBy: Outer.self)
            var c = outer.nestedContainer(keyedBy: CodingKeys.self, forKey: .createRequest)
            try c.encode(Data(key.utf8), forKey: .key)
            if prefix { try c.encode(Data(EtcdJSON.prefixEnd(Array(key.utf8))), forKey: .rangeEnd) }
            if startRevision != 0 { try c.encodeEtcdInt64(startRevision, forKey: .startRevision) }
            if previousValues { try c.encode(true, forKey: .prevKV) }
        }
    }

    /// etcd's WatchResponse, reduced to what a watcher acts on.
    struct WatchResponse: Decodable {
        let header: EtcdResponseHeader
        let created: Bool
        let events: [EtcdWatchEvent]
        /// True when this message ends the watch (compaction or cancellation).
        var ends: Bool { events.contains { if case .compacted = $0 { true } else if case .canceled = $0 { true } else { false } } }

        private enum CodingKeys: String, CodingKey {
            case header, created, canceled, compactRevision = "compact_revision", cancelReason = "cancel_reason", events
        }

        private struct Event: Decodable {
            let type: String?
            let kv: EtcdKeyValue?
            let prevKV: EtcdKeyValue?

            private enum CodingKeys: String, CodingKey { case type, kv, prevKV = "prev_kv" }
        }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            header = try c.decodeIfPresent(EtcdResponseHeader.self, forKey: .header) ?? EtcdResponseHeader(revision: 0)
            created = try c.etcdBool(.created)
            var events: [EtcdWatchEvent] = []
            for e in try c.decodeIfPresent([Event].self, forKey: .events) ?? [] {
                let kv = e.kv ?? EtcdKeyValue(key: "", value: Data(), createRevision: 0, modRevision: 0, version: 0)
                // PUT is the enum's zero value, so the gateway leaves `type` out for puts.
                events.append(e.type == "DELETE" ? .delete(kv, previous: e.prevKV) : .put(kv, previous: e.prevKV))
            }
            let compactRevision = try c.etcdInt64(.compactRevision)
            if compactRevision > 0 {
                events.append(.compacted(compactRevision: compactRevision))
            } else if try c.etcdBool(.canceled) {
                events.append(.canceled(reason: try c.decodeIfPresent(String.self, forKey: .cancelReason) ?? ""))
            }
            self.events = events
        }
    }
}

extension EtcdClient {
    /// Watches every key under `prefix`, from `fromRevision` (0: from now on).
    public func watch(prefix: String, fromRevision: Int64 = 0, previousValues: Bool = false) async throws -> EtcdWatch {
        try await EtcdWatch.open(self, key: prefix, prefix: true, fromRevision: fromRevision, previousValues: previousValues)
    }

    /// Watches one key from `fromRevision` (0: from now on).
    public func watch(key: String, fromRevision: Int64 = 0, previousValues: Bool = false) async throws -> EtcdWatch {
        try await EtcdWatch.open(self, key: key, prefix: false, fromRevision: fromRevision, previousValues: previousValues)
    }
}
