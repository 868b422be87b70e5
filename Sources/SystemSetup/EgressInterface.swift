// The server's way out to the internet: the interface named with --egress, or the one
// the main table's default route uses, and its global addresses (the NAT's public face).
import Addresses
import Netlink

public struct EgressInterface: Equatable {
    public var name: String
    public var ipv4: IPv4Address?
    public var ipv6: IPv6Address?

    public struct NotFound: Error, CustomStringConvertible {
        public let description: String
    }

    static let globalScope: UInt8 = 0

    public static func find(named requested: String?, netlink: NetlinkSocket) throws -> EgressInterface {
        let name = try requested ?? defaultRouteInterface(netlink)
        let link: Link
        do {
            link = try netlink.link(.name(name))
        } catch {
            throw NotFound(description: "egress interface '\(name)' does not exist")
        }
        var egress = EgressInterface(name: name)
        for address in try netlink.addresses(of: .index(link.index)) where address.scope == globalScope {
            switch address.prefix.address {
            case .v4(let a) where egress.ipv4 == nil: egress.ipv4 = a
            case .v6(let a) where egress.ipv6 == nil: egress.ipv6 = a
            default: break
            }
        }
        guard egress.ipv4 != nil else {
            throw NotFound(description: "egress interface '\(name)' has no IPv4 address for the NAT (give it one, or use --nat off)")
        }
        return egress
    }

    private static func defaultRouteInterface(_ netlink: NetlinkSocket) throws -> String {
        let defaults = try netlink.routes(family: .ipv4, table: RouteTable.main).filter { $0.destination.length == 0 }
        guard let index = defaults.compactMap(\.outputLinkIndex).first, let link = try? netlink.link(.index(index)) else {
            throw NotFound(description: "no default route to find the way out: name the internet-facing interface with --egress")
        }
        return link.name
    }

    init(name: String, ipv4: IPv4Address? = nil, ipv6: IPv6Address? = nil) {
        self.name = name
        self.ipv4 = ipv4
        self.ipv6 = ipv6
    }
}
