// A peer's Endpoint as written in a config file: a host (a name, an IPv4 literal or a
// bracketed IPv6 literal) and a port. Names are kept as text; resolving them is the
// I/O layer's job.
import Addresses

public struct PeerEndpoint: Hashable, Sendable, CustomStringConvertible {
    /// Without brackets: "vpn.example.com", "192.0.2.1", "2001:db8::1".
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    public init(_ endpoint: Endpoint) {
        self.init(host: endpoint.address.description, port: endpoint.port)
    }

    /// The address when the host is a literal; nil for a name that needs resolving.
    public var literal: Endpoint? {
        IPAddress(host).map { Endpoint(address: $0, port: port) }
    }

    /// "host:port", with brackets around an IPv6 host.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Parses "host:port" / "[v6]:port"; the error text says what is wrong.
    public init(parsing text: String) throws {
        let (hostPart, portPart) = try PeerEndpoint.split(Substring(text))
        guard !portPart.isEmpty, portPart.allSatisfy(\.isASCIIDigitCharacter),
              let port = UInt16(portPart), port != 0 else {
            throw ParseError("'\(portPart)' is not a port number (1-65535)")
        }
        try PeerEndpoint.check(host: hostPart)
        self.init(host: String(hostPart), port: port)
    }

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    private static func split(_ text: Substring) throws -> (Substring, Substring) {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ParseError("'\(text)' should look like [2001:db8::1]:51820")
            }
            let host = text[text.index(after: text.startIndex)..<close]
            guard IPv6Address(String(host)) != nil else {
                throw ParseError("'\(host)' in brackets is not an IPv6 address")
            }
            return (host, text[text.index(close, offsetBy: 2)...])
        }
        guard let colon = text.lastIndex(of: ":") else {
            throw ParseError("'\(text)' has no port: write host:port, e.g. vpn.example.com:51820")
        }
        let host = text[..<colon]
        if host.contains(":") {
            throw ParseError("'\(text)': an IPv6 endpoint needs brackets, e.g. [2001:db8::1]:51820")
        }
        return (host, text[text.index(after: colon)...])
    }

    /// A host name or IPv4 literal: letters, digits, '-', '.', '_' only.
    private static func check(host: Substring) throws {
        guard !host.isEmpty else { throw ParseError("the host is empty") }
        let allowed = host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-._:".contains($0)) }
        guard allowed, host.count <= 253 else { throw ParseError("'\(host)' is not a host name or address") }
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { ("0"..."9").contains(self) }
}
