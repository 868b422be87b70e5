// One drop counter as status shows it: the reason's wire name (for JSON), a person's
// words for it (for text) and the count.
public struct DropCount: Equatable, Sendable {
    /// As on the wire after the prefix, e.g. "bad_mac", "table_full".
    public var reason: String
    public var label: String
    public var count: UInt64

    public init(reason: String, label: String, count: UInt64) {
        self.reason = reason
        self.label = label
        self.count = count
    }
}
