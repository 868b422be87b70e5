// Leases: keys put with a lease vanish when it expires or is revoked, which is how a
// server's "I am up" key disappears when the server does.
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

public struct EtcdLease: Sendable {
    let client: EtcdClient

    /// A new lease living `ttl` seconds unless kept alive; etcd picks the id.
    public func grant(ttl: Int64) async throws -> EtcdLeaseResponse {
        // Sent again after a lost answer this makes a second lease, which expires unused.
        try await client.call("/v3/lease/grant", LeaseRequest(id: 0, ttl: ttl), idempotent: true)
    }

    /// Renews the lease once and returns its fresh TTL; throws leaseNotFound when it is gone.
    /// Keepalive is a stream in etcd; the gateway answers one request with one message.
    public func keepAliveOnce(_ id: Int64) async throws -> EtcdLeaseResponse {
        let (endpoint, response) = try await client.openStream("/v3/lease/keepalive", LeaseRequest(id: id, ttl: nil))
        var lines = EtcdStreamLines(response.body, endpoint: endpoint)
        guard let line = try await lines.next() else {
            throw EtcdError.malformedResponse(endpoint: endpoint, detail: "keepalive stream ended without an answer")
        }
        let message: EtcdStreamMessage<EtcdLeaseResponse>
        do {
            message = try EtcdJSON.decode(EtcdStreamMessage<EtcdLeaseResponse>.self, from: line)
        } catch {
            throw EtcdError.malformedResponse(endpoint: endpoint, detail: "\(error)")
        }
        let answer = try message.unwrap(endpoint: endpoint)
        guard answer.ttl > 0 else { throw EtcdError.leaseNotFound(id: id, endpoint: endpoint) }
        return answer
    }

    /// Ends the lease now; its keys are deleted in the same revision.
    @discardableResult
    public func revoke(_ id: Int64) async throws -> EtcdResponseHeader {
        let answer: EtcdKV.HeaderOnly = try await client.call("/v3/lease/revoke", LeaseRequest(id: id, ttl: nil),
                                                              idempotent: true)
        return answer.header
    }

    private struct LeaseRequest: Encodable {
        let id: Int64
        let ttl: Int64?

        private enum CodingKeys: String, CodingKey { case id = "ID", ttl = "TTL" }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeEtcdInt64(id, forKey: .id)
            if let ttl { try c.encodeEtcdInt64(ttl, forKey: .ttl) }
        }
    }
}

extension EtcdClient {
    public var lease: EtcdLease { EtcdLease(client: self) }
}
