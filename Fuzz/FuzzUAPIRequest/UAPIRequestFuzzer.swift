// Fuzz target: the control socket's request path, as a connection feeds it. The bytes
// arrive in chunks (sizes taken from the input, so framing across reads is exercised)
// through two readers, one with the server's limits and one with tiny ones; each
// request is parsed, and a parsed `set` is written back out and must parse to the same
// change (in meaning: a removed peer drops the rest of its block). The same lines also
// go through the client's answer parser.
import Control
import FuzzSupport

enum UAPIRequestFuzzer: FuzzTarget {
    /// Limits small enough for the fuzzer's inputs to reach them.
    static let tinyLimits = UAPILimits(maxLineBytes: 80, maxRequestBytes: 300, maxConnections: 1,
                                       requestDeadlineSeconds: 1, pollIntervalSeconds: 1)

    static var seeds: [[UInt8]] {
        let key = { (byte: String) in String(repeating: byte, count: 64) }
        let set = """
            set=1
            private_key=\(key("1"))
            listen_port=51820
            fwmark=0
            replace_peers=true
            public_key=\(key("2"))
            preshared_key=\(key("3"))
            endpoint=[2001:db8::1]:51820
            persistent_keepalive_interval=25
            replace_allowed_ips=true
            allowed_ip=100.64.0.2/32
            allowed_ip=2001:db8:100::2/128
            public_key=\(key("4"))
            update_only=true
            endpoint=198.51.100.7:40000
            public_key=\(key("5"))
            remove=true


            """
        let answer = """
            private_key=\(key("1"))
            listen_port=51820
            public_key=\(key("2"))
            endpoint=192.0.2.1:1
            last_handshake_time_sec=1700000000
            last_handshake_time_nsec=5
            rx_bytes=10
            tx_bytes=20
            persistent_keepalive_interval=0
            allowed_ip=100.64.0.2/32
            protocol_version=1
            errno=0


            """
        // The first byte of each seed is the chunk size the run cuts the rest into.
        return ["get=1\n\n", "get=tunnel\n\nget=1\n\n", set, answer, "errno=-22\n\n"].map { [7] + Array($0.utf8) }
    }

    static func run(_ input: UnsafeRawBufferPointer) {
        guard let chunkSize = input.first.map({ Int($0) + 1 }) else { return }
        let stream = UnsafeRawBufferPointer(rebasing: input.dropFirst())
        for limits in [UAPILimits.standard, tinyLimits] {
            var reader = UAPIRequestReader(limits: limits)
            var offset = 0
            while offset < stream.count {
                let end = min(stream.count, offset + chunkSize)
                reader.append(UnsafeRawBufferPointer(rebasing: stream[offset..<end]))
                offset = end
                while let event = reader.next() {
                    guard case .request(let lines) = event else { break }
                    handle(lines)
                }
            }
            precondition(reader.pendingByteCount <= limits.maxRequestBytes, "the reader holds more than its limit")
        }
    }

    /// The change as it acts: in a block that removes its peer nothing else matters (and
    /// the writer leaves the rest out).
    private static func meaning(of change: UAPIConfigurationChange) -> UAPIConfigurationChange {
        var result = change
        result.peers = change.peers.map { $0.remove ? UAPIPeerChange(publicKey: $0.publicKey, remove: true) : $0 }
        return result
    }

    private static func handle(_ lines: [[UInt8]]) {
        if case .set(let change)? = try? UAPIRequest.parse(lines: lines) {
            let written = UAPIRequestWriter.set(change)
            guard case .set(let again)? = try? UAPIRequest.parse(text: String(written.dropLast())) else {
                preconditionFailure("a written set request does not parse back:\n\(written)")
            }
            precondition(again == meaning(of: change), "a written set request parses to a different change:\n\(written)")
        }
        let text = lines.map { Substring(String(decoding: $0, as: UTF8.self)) }
        _ = try? UAPIResponseParser.parseGetResponse(lines: text)
        _ = try? UAPIResponseParser.parseErrnoResponse(lines: text)
    }
}
