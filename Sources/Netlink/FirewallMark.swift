/// A packet mark selector: matches when `mark & mask == value`.
public struct FirewallMark: Hashable, Sendable, CustomStringConvertible {
    public var value: UInt32
    public var mask: UInt32

    public init(_ value: UInt32, mask: UInt32 = .max) {
        self.value = value
        self.mask = mask
    }

    public var description: String {
        "0x" + String(value, radix: 16) + (mask == .max ? "" : "/0x" + String(mask, radix: 16))
    }
}
