/// An address with a prefix length ("192.0.2.1/24"), as in AllowedIPs, Address and routes.
/// The address keeps its host bits (an interface address needs them); `network` drops them.
public struct IPPrefix: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var length: Int

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case badAddress(String)
        case badLength(String)

        public var description: String {
            switch self {
            case .badAddress(let t): return "'\(t)' is not an IP address"
            case .badLength(let t): return "'\(t)' is not a valid prefix length"
            }
        }
    }

    public init(address: IPAddress, length: Int) {
        precondition(length >= 0 && length <= address.bitWidth, "prefix length out of range")
        self.address = address
        self.length = length
    }

    /// Parses "ADDR/LEN" or a bare address (a host prefix, /32 or /128).
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let addrText = String(parts[0]).trimmingSpaces
        guard let addr = IPAddress(addrText) else { throw ParseError.badAddress(addrText) }
        var len = addr.bitWidth
        if parts.count == 2 {
            let lenText = String(parts[1]).trimmingSpaces
            guard let l = Int(lenText), l >= 0, l <= addr.bitWidth, lenText.allSatisfy(\.isASCIIDigit) else {
                throw ParseError.badLength(lenText)
            }
            len = l
        }
        self.init(address: addr, length: len)
    }

    /// The prefix with host bits cleared.
    public var network: IPPrefix {
        switch address {
        case .v4(let a):
            let mask: UInt32 = length == 0 ? 0 : ~UInt32(0) << UInt32(32 - length)
            return IPPrefix(address: .v4(IPv4Address(a.value & mask)), length: length)
        case .v6(let a):
            let (mh, ml) = IPPrefix.mask128(length)
            return IPPrefix(address: .v6(IPv6Address(high: a.high & mh, low: a.low & ml)), length: length)
        }
    }

    public func contains(_ other: IPAddress) -> Bool {
        switch (network.address, other) {
        case (.v4(let n), .v4(let o)):
            let mask: UInt32 = length == 0 ? 0 : ~UInt32(0) << UInt32(32 - length)
            return o.value & mask == n.value
        case (.v6(let n), .v6(let o)):
            let (mh, ml) = IPPrefix.mask128(length)
            return o.high & mh == n.high && o.low & ml == n.low
        default:
            return false
        }
    }

    public var description: String { "\(address)/\(length)" }

    static func mask128(_ length: Int) -> (UInt64, UInt64) {
        let high: UInt64 = length == 0 ? 0 : (length >= 64 ? ~0 : ~UInt64(0) << UInt64(64 - length))
        let low: UInt64 = length <= 64 ? 0 : (length == 128 ? ~0 : ~UInt64(0) << UInt64(128 - length))
        return (high, low)
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
