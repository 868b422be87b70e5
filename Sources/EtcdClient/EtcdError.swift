// What can go wrong talking to etcd, each case a one-line message naming the member(s)
// and the cause, so a CLI can print it as it is.
import Foundation

public enum EtcdError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An endpoint that is not an http:// or https:// URL with a host.
    case invalidEndpoint(String)
    /// A CA, certificate or key file that could not be loaded.
    case tlsFiles(String)
    /// No member gave an answer before the call's time ran out; `causes` holds the last
    /// failure seen at each member, in endpoint order.
    case unavailable(endpoints: [String], seconds: Double, causes: [String])
    /// A member answered with an HTTP error and no etcd error message.
    case httpStatus(endpoint: String, status: Int, body: String)
    /// A member answered with etcd's own error (gRPC `code`, etcd's message).
    case server(endpoint: String, status: Int, code: Int, message: String)
    /// A request sent to a member failed before its answer came, and it was not a read
    /// that could safely be sent again: it may or may not have been applied.
    case requestFailed(endpoint: String, cause: String)
    case malformedResponse(endpoint: String, detail: String)
    /// A watch's stream ended or broke; watch again from the last revision seen + 1.
    case watchBroken(endpoint: String, cause: String)
    /// A keepalive for a lease etcd no longer has (it expired or was revoked).
    case leaseNotFound(id: Int64, endpoint: String)

    public var description: String {
        switch self {
        case .invalidEndpoint(let e):
            return "etcd endpoint '\(e)' is not an http:// or https:// URL"
        case .tlsFiles(let why):
            return "etcd TLS: \(why)"
        case let .unavailable(endpoints, seconds, causes):
            let each = zip(endpoints, causes).map { "\($0): \($1)" }.joined(separator: "; ")
            return "no etcd member answered within \(Self.format(seconds)) s (\(each))"
        case let .httpStatus(endpoint, status, body):
            return "etcd \(endpoint) answered HTTP \(status): \(body.prefix(200))"
        case let .server(endpoint, status, code, message):
            return "etcd \(endpoint) refused the request (HTTP \(status), code \(code)): \(message)"
        case let .requestFailed(endpoint, cause):
            return "etcd \(endpoint): the request failed after it was sent (\(cause)); it may or may not have been applied"
        case let .malformedResponse(endpoint, detail):
            return "etcd \(endpoint) sent an answer that is not understood: \(detail)"
        case let .watchBroken(endpoint, cause):
            return "etcd \(endpoint): watch ended (\(cause))"
        case let .leaseNotFound(id, endpoint):
            return "etcd \(endpoint): lease \(id) not found (expired or revoked)"
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.1f", seconds)
    }
}
