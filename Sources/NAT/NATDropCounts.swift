// Drop counters, one per reason, in a fixed struct so counting allocates nothing.

/// How many packets were dropped for each reason.
public struct NATDropCounts: Sendable, Equatable {
    public var tableFull: UInt64 = 0
    public var perClientLimit: UInt64 = 0
    public var noMapping: UInt64 = 0
    public var filtered: UInt64 = 0
    public var unsupportedProtocol: UInt64 = 0
    public var malformed: UInt64 = 0
    public var noEgressAddress: UInt64 = 0
    public var fragmentLimit: UInt64 = 0
    public var routingHeader: UInt64 = 0
    public var hairpin: UInt64 = 0
    public var toLoopback: UInt64 = 0
    public var toUnspecified: UInt64 = 0
    public var toMulticast: UInt64 = 0
    public var toBroadcast: UInt64 = 0
    public var toLinkLocal: UInt64 = 0

    public init() {}

    public subscript(reason: NATDropReason) -> UInt64 {
        get {
            switch reason {
            case .tableFull: return tableFull
            case .perClientLimit: return perClientLimit
            case .noMapping: return noMapping
            case .filtered: return filtered
            case .unsupportedProtocol: return unsupportedProtocol
            case .malformed: return malformed
            case .noEgressAddress: return noEgressAddress
            case .fragmentLimit: return fragmentLimit
            case .routingHeader: return routingHeader
            case .hairpin: return hairpin
            case .toLoopback: return toLoopback
            case .toUnspecified: return toUnspecified
            case .toMulticast: return toMulticast
            case .toBroadcast: return toBroadcast
            case .toLinkLocal: return toLinkLocal
            }
        }
        set {
            switch reason {
            case .tableFull: tableFull = newValue
            case .perClientLimit: perClientLimit = newValue
            case .noMapping: noMapping = newValue
            case .filtered: filtered = newValue
            case .unsupportedProtocol: unsupportedProtocol = newValue
            case .malformed: malformed = newValue
            case .noEgressAddress: noEgressAddress = newValue
            case .fragmentLimit: fragmentLimit = newValue
            case .routingHeader: routingHeader = newValue
            case .hairpin: hairpin = newValue
            case .toLoopback: toLoopback = newValue
            case .toUnspecified: toUnspecified = newValue
            case .toMulticast: toMulticast = newValue
            case .toBroadcast: toBroadcast = newValue
            case .toLinkLocal: toLinkLocal = newValue
            }
        }
    }

    public var total: UInt64 { NATDropReason.allCases.reduce(0) { $0 + self[$1] } }
}
