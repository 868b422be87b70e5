/// A UDP endpoint: an address and a port ("192.0.2.1:51820", "[2001:db8::1]:51820").
public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    /// Parses a literal address and port; host names are resolved elsewhere.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        let host = String(text[..<colon])
        guard let port = UInt16(text[text.index(after: colon)...]) else { return nil }
        if !host.hasPrefix("[") && host.contains(":") { return nil }  // IPv6 needs brackets
        guard let addr = IPAddress(host) else { return nil }
        self.init(address: addr, port: port)
    }

    public var description: String {
        switch address {
        case .v4(let a): return "\(a):\(port)"
        case .v6(let a): return "[\(a)]:\(port)"
        }
    }
}
