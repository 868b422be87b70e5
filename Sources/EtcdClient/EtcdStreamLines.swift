// Cuts a streaming answer (watch, keepalive) into its JSON messages. The gateway writes
// one object per message, newline-delimited, but chunk boundaries fall anywhere, so
// objects are found by their braces (outside strings) and never by chunk or line.
import AsyncHTTPClient
import Foundation
import NIOCore

struct EtcdStreamLines {
    private var iterator: HTTPClientResponse.Body.AsyncIterator
    private var pending: [UInt8] = []
    /// Scan state carried across chunks: nesting depth, inside a string, after a backslash.
    private var scanned = 0
    private var depth = 0
    private var inString = false
    private var escaped = false
    let endpoint: String

    init(_ body: HTTPClientResponse.Body, endpoint: String) {
        iterator = body.makeAsyncIterator()
        self.endpoint = endpoint
    }

    /// The next whole JSON object, or nil when the stream ended cleanly between objects.
    mutating func next() async throws -> Data? {
        while true {
            if let object = takeObject() { return object }
            let chunk: ByteBuffer?
            do {
                chunk = try await iterator.next()
            } catch {
                throw EtcdError.watchBroken(endpoint: endpoint, cause: "\(error)")
            }
            guard let chunk else {
                if depth == 0 { return nil }
                throw EtcdError.watchBroken(endpoint: endpoint, cause: "stream ended inside a message")
            }
            pending.append(contentsOf: chunk.readableBytesView)
        }
    }

    private mutating func takeObject() -> Data? {
        while scanned < pending.count {
            let byte = pending[scanned]
            scanned += 1
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"): depth += 1
            case UInt8(ascii: "}"):
                depth -= 1
                if depth == 0 {
                    let object = Data(pending[..<scanned])
                    pending.removeFirst(scanned)
                    scanned = 0
                    return Self.trimmed(object)
                }
            default: break
            }
        }
        if depth == 0 {
            // Only whitespace between objects has been read: drop it.
            pending.removeAll(keepingCapacity: true)
            scanned = 0
        }
        return nil
    }

    private static func trimmed(_ data: Data) -> Data {
        guard let start = data.firstIndex(of: UInt8(ascii: "{")) else { return data }
        return data[start...]
    }
}
