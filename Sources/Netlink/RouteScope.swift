/// How far a route's destination is (rtm_scope, RT_SCOPE_*).
public struct RouteScope: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let universe = RouteScope(rawValue: 0)
    public static let site = RouteScope(rawValue: 200)
    /// On the attached link, no gateway.
    public static let link = RouteScope(rawValue: 253)
    /// An address of this host.
    public static let host = RouteScope(rawValue: 254)
    /// In a delete request: match any scope.
    public static let nowhere = RouteScope(rawValue: 255)

    public var description: String {
        switch self {
        case .universe: return "global"
        case .site: return "site"
        case .link: return "link"
        case .host: return "host"
        case .nowhere: return "nowhere"
        default: return "\(rawValue)"
        }
    }
}
