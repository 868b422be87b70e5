// One complete request as the server acts on it, parsed from its lines (the empty line
// that ends it excluded). Request text is printable ASCII; anything else is rejected
// before a value parser sees it.
public enum UAPIRequest: Equatable, Sendable {
    case get(includeTunnelInfo: Bool)
    /// `get=public`: the tunnel's answer without private or preshared keys.
    case getPublic
    case set(UAPIConfigurationChange)

    public static func parse(lines: [[UInt8]]) throws -> UAPIRequest {
        guard let first = lines.first, let operation = UAPIOperation(line: first) else {
            throw UAPIError.protocolViolation("the request does not start with get=1 or set=1")
        }
        var text: [Substring] = []
        text.reserveCapacity(lines.count)
        for (i, line) in lines.enumerated().dropFirst() {
            guard line.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) else {
                throw UAPIError.invalid("line \(i + 1) contains a byte that is not printable ASCII")
            }
            text.append(Substring(String(decoding: line, as: UTF8.self)))
        }
        switch operation {
        case .get, .getTunnel, .getPublic:
            guard text.isEmpty else { throw UAPIError.invalid("a get request has no lines after get=1") }
            return operation == .getPublic ? .getPublic : .get(includeTunnelInfo: operation == .getTunnel)
        case .set:
            return .set(try UAPISetParser.parse(lines: text))
        }
    }

    /// Convenience for text without the final empty line ("set=1\nlisten_port=1\n").
    public static func parse(text: String) throws -> UAPIRequest {
        var lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
        if lines.last?.isEmpty == true { lines.removeLast() }
        return try parse(lines: lines)
    }
}
