/// What a policy rule does when it matches (FR_ACT_*).
public enum RuleAction: Hashable, Sendable, CustomStringConvertible {
    /// Look the destination up in a routing table.
    case lookup(table: UInt32)
    /// Jump to the rule with this priority.
    case goto(priority: UInt32)
    case nop
    case blackhole
    case unreachable
    case prohibit

    static let toTableCode: UInt8 = 1
    static let gotoCode: UInt8 = 2
    static let nopCode: UInt8 = 3
    static let blackholeCode: UInt8 = 6
    static let unreachableCode: UInt8 = 7
    static let prohibitCode: UInt8 = 8

    var code: UInt8 {
        switch self {
        case .lookup: return RuleAction.toTableCode
        case .goto: return RuleAction.gotoCode
        case .nop: return RuleAction.nopCode
        case .blackhole: return RuleAction.blackholeCode
        case .unreachable: return RuleAction.unreachableCode
        case .prohibit: return RuleAction.prohibitCode
        }
    }

    public var description: String {
        switch self {
        case .lookup(let table): return "lookup \(table)"
        case .goto(let priority): return "goto \(priority)"
        case .nop: return "nop"
        case .blackhole: return "blackhole"
        case .unreachable: return "unreachable"
        case .prohibit: return "prohibit"
        }
    }
}
