// One message of a gateway stream: {"result": message} or {"error": {...}}.
import Foundation

struct EtcdStreamMessage<Result: Decodable>: Decodable {
    let result: Result?
    let error: StreamError?

    struct StreamError: Decodable {
        let grpcCode: Int?
        let httpCode: Int?
        let message: String?

        private enum CodingKeys: String, CodingKey { case grpcCode = "grpc_code", httpCode = "http_code", message }
    }

    func unwrap(endpoint: String) throws -> Result {
        if let result { return result }
        let e = error
        throw EtcdError.server(endpoint: endpoint, status: e?.httpCode ?? 0, code: e?.grpcCode ?? 0,
                               message: e?.message ?? "stream message with neither result nor error")
    }
}
