/// Names a link either by interface name or by index.
public enum LinkSelector: Hashable, Sendable, CustomStringConvertible {
    case name(String)
    case index(Int32)

    public var description: String {
        switch self {
        case .name(let n): return n
        case .index(let i): return "#\(i)"
        }
    }
}
