// A small client for etcd's v3 JSON gateway (etcd 3.4: POST /v3/...), built on
// AsyncHTTPClient. It knows nothing of what the keys mean. The APIs live beside it, one
// file each as in etcd's own client: EtcdKV (with EtcdTxn), EtcdWatch, EtcdLease.
//
// Every call has one time budget (requestTimeout) across all members: a member that
// refuses or does not accept a connection within connectTimeout is skipped for the next,
// and the call fails with EtcdError.unavailable naming each member and why, once the
// budget is spent. Reads are also sent again elsewhere after a failure mid-request;
// writes only when etcd says it never proposed them ("no leader"), since a write whose
// answer was lost may have been applied.
import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOFoundationCompat
import NIOPosix
import NIOSSL

public final class EtcdClient: Sendable {
    public let configuration: EtcdClientConfiguration
    /// Unary calls: a read that goes quiet for the whole budget is a dead member.
    private let http: HTTPClient
    /// Watches and keepalives: a watch may rightly stay silent for hours.
    private let streaming: HTTPClient
    private let group: any EventLoopGroup
    private let ownsGroup: Bool
    /// The member that answered last; calls start there rather than at a dead first one.
    private let preferred = NIOLockedValueBox(0)

    /// Without `eventLoopGroup`, the client starts one thread of its own, in the calling
    /// thread's network namespace; its connections open there (see EventLoopTaskExecutor).
    public init(_ configuration: EtcdClientConfiguration, eventLoopGroup: (any EventLoopGroup)? = nil) throws {
        self.configuration = configuration
        let tls = try Self.tlsConfiguration(configuration)
        if let eventLoopGroup {
            group = eventLoopGroup
            ownsGroup = false
        } else {
            group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            ownsGroup = true
        }
        var unary = HTTPClient.Configuration()
        unary.tlsConfiguration = tls
        unary.httpVersion = .http1Only
        unary.redirectConfiguration = .disallow
        unary.timeout = .init(connect: Self.timeAmount(min(configuration.connectTimeout, configuration.requestTimeout)),
                              read: Self.timeAmount(configuration.requestTimeout))
        // A refused connection must fail the attempt at once so the next member gets its
        // turn, not be retried against the same member until the budget is gone.
        unary.connectionPool.retryConnectionEstablishment = false
        var stream = unary
        stream.timeout = .init(connect: unary.timeout.connect, read: nil)
        http = HTTPClient(eventLoopGroup: group, configuration: unary)
        streaming = HTTPClient(eventLoopGroup: group, configuration: stream)
    }

    /// Closes every connection (ending open watches) and the client's own thread.
    public func shutdown() async throws {
        try await http.shutdown()
        try await streaming.shutdown()
        if ownsGroup { try await group.shutdownGracefully() }
    }

    public var endpointNames: [String] { configuration.endpoints.map(\.absoluteString) }

    // MARK: calls

    /// One request/response call: POST `body` to `path` on a member, decode the answer.
    func call<Reply: Decodable>(_ path: String, _ body: some Encodable, idempotent: Bool) async throws -> Reply {
        let payload = try EtcdJSON.encode(body)
        return try await withFailover(idempotent: idempotent) { endpoint, deadline in
            let response = try await self.send(self.http, endpoint, path, payload, deadline: deadline, idempotent: idempotent)
            let bytes: ByteBuffer
            do {
                bytes = try await response.body.collect(upTo: self.configuration.maximumResponseBytes)
            } catch {
                throw Self.classify(error, endpoint: endpoint, idempotent: idempotent)
            }
            let data = Data(buffer: bytes)
            try Self.checkStatus(response.status.code, data, endpoint: endpoint, idempotent: idempotent)
            do {
                return try EtcdJSON.decode(Reply.self, from: data)
            } catch {
                throw AttemptFailure.final(.malformedResponse(endpoint: endpoint.absoluteString, detail: "\(error)"))
            }
        }
    }

    /// Opens a streaming call (watch, keepalive) on the first member that takes it and
    /// returns that member with the response, whose body the caller reads.
    func openStream(_ path: String, _ body: some Encodable) async throws -> (endpoint: String, response: HTTPClientResponse) {
        let payload = try EtcdJSON.encode(body)
        // Opening a watch or sending a keepalive twice does no harm: always safe to retry.
        return try await withFailover(idempotent: true) { endpoint, deadline in
            let response = try await self.send(self.streaming, endpoint, path, payload, deadline: deadline, idempotent: true)
            if response.status != .ok {
                let data = Data(buffer: (try? await response.body.collect(upTo: 1 << 20)) ?? ByteBuffer())
                try Self.checkStatus(response.status.code, data, endpoint: endpoint, idempotent: true)
            }
            return (endpoint.absoluteString, response)
        }
    }

    // MARK: failover

    /// What one attempt at one member came to: try the next member, or give up with this.
    private enum AttemptFailure: Error {
        case tryNext(String)
        case final(EtcdError)
    }

    private func withFailover<T>(idempotent: Bool,
                                 _ attempt: (URL, NIODeadline) async throws -> T) async throws -> T {
        let endpoints = configuration.endpoints
        let budget = Self.timeAmount(configuration.requestTimeout)
        let deadline = NIODeadline.now() + budget
        var causes = Array(repeating: "not tried", count: endpoints.count)
        func unavailable() -> EtcdError {
            .unavailable(endpoints: endpointNames, seconds: Double(budget.nanoseconds) / 1e9, causes: causes)
        }
        var pass = 0
        while true {
            let first = preferred.withLockedValue { $0 }
            for step in 0..<endpoints.count {
                let index = (first + step) % endpoints.count
                let now = NIODeadline.now()
                guard now < deadline else { throw unavailable() }
                // A member that takes the connection but never answers (stopped, or cut off
                // from the quorum) must not eat a read's whole budget: give it half, so
                // another member still has time. A write keeps the whole budget, since
                // giving up on it early only makes its outcome unknown sooner.
                let attemptDeadline = idempotent && endpoints.count > 1 ? min(deadline, now + .nanoseconds(budget.nanoseconds / 2)) : deadline
                do {
                    let result = try await attempt(endpoints[index], attemptDeadline)
                    preferred.withLockedValue { $0 = index }
                    return result
                } catch let failure as AttemptFailure {
                    switch failure {
                    case .tryNext(let cause): causes[index] = cause
                    case .final(let error): throw error
                    }
                }
            }
            // Every member failed this pass (all down, or a leader election): pause a
            // little longer each pass rather than spin, and stop when the budget is spent.
            pass += 1
            let pause = min(TimeAmount.milliseconds(50 << min(pass, 4)), deadline - NIODeadline.now())
            guard pause > .zero else { throw unavailable() }
            try await Task.sleep(nanoseconds: UInt64(pause.nanoseconds))
        }
    }

    private func send(_ client: HTTPClient, _ endpoint: URL, _ path: String, _ payload: Data,
                      deadline: NIODeadline, idempotent: Bool) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: Self.url(endpoint, path))
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: payload))
        let prepared = request
        do {
            return try await onOwnThread { try await client.execute(prepared, deadline: deadline) }
        } catch {
            throw Self.classify(error, endpoint: endpoint, idempotent: idempotent)
        }
    }

    private func onOwnThread<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        if #available(macOS 15.0, iOS 18.0, tvOS 18.0, watchOS 11.0, *) {
            return try await withTaskExecutorPreference(EventLoopTaskExecutor(group.next())) { try await body() }
        }
        return try await body()
    }

    /// Failures before the request could have reached etcd are always worth the next
    /// member; failures after it only for reads.
    private static func classify(_ error: Error, endpoint: URL, idempotent: Bool) -> AttemptFailure {
        if let failure = error as? AttemptFailure { return failure }
        if error is CancellationError { return .final(.requestFailed(endpoint: endpoint.absoluteString, cause: "cancelled")) }
        let cause = describe(error)
        if isConnectFailure(error) || idempotent { return .tryNext(cause) }
        return .final(.requestFailed(endpoint: endpoint.absoluteString, cause: cause))
    }

    private static func isConnectFailure(_ error: Error) -> Bool {
        if let e = error as? HTTPClientError {
            return [.connectTimeout, .getConnectionFromPoolTimeout, .tlsHandshakeTimeout].contains(e)
        }
        if let e = error as? IOError {
            return [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL, ETIMEDOUT].contains(e.errnoCode)
        }
        if let e = error as? ChannelError, case .connectTimeout = e { return true }
        // TLS failures happen before etcd sees a request: a rejected client certificate
        // shows as an alert on the first read, after the request went into the TLS layer.
        return error is NIOConnectionError || error is NIOSSLError || error is BoringSSLError
    }

    /// BoringSSL's reason (CERTIFICATE_VERIFY_FAILED, ...) in words an operator can act on.
    private static func describeTLS(_ error: Error) -> String? {
        guard error is NIOSSLError || error is BoringSSLError else { return nil }
        let text = String(describing: error)
        guard let marker = text.range(of: "OPENSSL_internal:") else { return "TLS: \(text)" }
        let reason = String(text[marker.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" })
        switch reason {
        case "CERTIFICATE_VERIFY_FAILED":
            return "TLS: the member's certificate is not trusted (\(reason))"
        case "SSLV3_ALERT_BAD_CERTIFICATE", "TLSV1_ALERT_CERTIFICATE_REQUIRED", "SSLV3_ALERT_HANDSHAKE_FAILURE",
             "TLSV1_ALERT_UNKNOWN_CA":
            return "TLS: the member refused the client certificate (\(reason))"
        default:
            return "TLS: \(reason)"
        }
    }

    private static func describe(_ error: Error) -> String {
        if let tls = describeTLS(error) { return tls }
        if let e = error as? HTTPClientError {
            switch e {
            case .connectTimeout, .getConnectionFromPoolTimeout: return "connect timed out"
            case .deadlineExceeded: return "no answer in time"
            case .readTimeout: return "answer stalled"
            case .remoteConnectionClosed: return "connection closed"
            default: return "\(e)"
            }
        }
        if let e = error as? IOError {
            switch e.errnoCode {
            case ECONNREFUSED: return "connection refused"
            case EHOSTUNREACH: return "host unreachable"
            case ENETUNREACH: return "network unreachable"
            case ECONNRESET: return "connection reset"
            default: return String(cString: strerror(e.errnoCode))
            }
        }
        if let e = error as? ChannelError, case .connectTimeout = e { return "connect timed out" }
        if let e = error as? NIOConnectionError, let first = e.connectionErrors.first { return describe(first.error) }
        return "\(error)"
    }

    /// etcd's gateway answers errors as {"error", "code", "message"}: code is gRPC's.
    private struct GatewayError: Decodable {
        var error: String?
        var code: Int?
        var message: String?
    }

    private static let unavailableCode = 14

    private static func checkStatus(_ status: UInt, _ body: Data, endpoint: URL, idempotent: Bool) throws {
        guard status != 200 else { return }
        let name = endpoint.absoluteString
        guard let error = try? EtcdJSON.decode(GatewayError.self, from: body),
              let message = error.message ?? error.error else {
            throw AttemptFailure.final(.httpStatus(endpoint: name, status: Int(status),
                                                   body: String(decoding: body, as: UTF8.self)))
        }
        let code = error.code ?? 0
        // "no leader": this member cannot propose at all, so nothing was applied; another
        // member (or this one after the election) can take the request.
        if code == unavailableCode && (idempotent || message.contains("no leader")) {
            throw AttemptFailure.tryNext(message)
        }
        throw AttemptFailure.final(.server(endpoint: name, status: Int(status), code: code, message: message))
    }

    // MARK: helpers

    private static func url(_ endpoint: URL, _ path: String) -> String {
        var base = endpoint.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return base + path
    }

    static func timeAmount(_ d: Duration) -> TimeAmount {
        let (seconds, attoseconds) = d.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    private static func tlsConfiguration(_ configuration: EtcdClientConfiguration) throws -> TLSConfiguration? {
        let wantsTLS = configuration.endpoints.contains { $0.scheme?.lowercased() == "https" }
        guard wantsTLS || configuration.tls != nil else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        let files = configuration.tls ?? EtcdTLS()
        // Loaded now, so a wrong path is reported at startup rather than at each connection.
        do {
            if let ca = files.caFile {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca))
            }
            if let cert = files.certificateFile {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
            }
            if let key = files.keyFile {
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            }
        } catch {
            throw EtcdError.tlsFiles("cannot load \(files.caFile ?? "-")/\(files.certificateFile ?? "-")/\(files.keyFile ?? "-"): \(error)")
        }
        guard (files.certificateFile == nil) == (files.keyFile == nil) else {
            throw EtcdError.tlsFiles("a client certificate needs its key, and a key its certificate")
        }
        return tls
    }
}
