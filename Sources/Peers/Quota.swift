// `--quota SIZE[/day|/week|/month]|off`: total bytes both ways a peer may move in a period.

public struct Quota: Hashable, Sendable, Codable, CustomStringConvertible {
    public static let offWord = "off"

    public var limit: ByteSize
    public var period: QuotaPeriod

    public init(limit: ByteSize, period: QuotaPeriod = .total) {
        self.limit = limit
        self.period = period
    }

    /// Parses `50G`, `50G/month`, `500M/day`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        var period = QuotaPeriod.total
        if parts.count == 2 {
            guard let named = QuotaPeriod(rawValue: parts[1].lowercased()), named != .total else {
                throw LimitValueError(.quota, text, "the period after '/' is day, week or month, e.g. 50G/month")
            }
            period = named
        }
        let size: ByteSize
        do { size = try ByteSize(parsing: String(parts[0])) } catch let error as LimitValueError {
            throw LimitValueError(.quota, text, error.reason)
        }
        guard size.bytes > 0 else {
            throw LimitValueError(.quota, text, "a zero quota would block the peer: use `off` for no quota, or disable the peer")
        }
        self.init(limit: size, period: period)
    }

    /// `--quota SIZE|off`: nil means no quota.
    public static func parseSetting(_ text: String) throws -> Quota? {
        text.lowercased() == offWord ? nil : try Quota(parsing: text)
    }

    /// "50G/month", "500M".
    public var description: String { "\(limit)\(period.suffix)" }
}
