// The server host's own addresses (every interface's: the egress's, the tunnel's, a LAN's),
// as its router and NAT need them in NAT mode. A client's packet to one is for the host
// itself: it goes to the kernel as it came, with the client's tunnel address as source,
// like a packet to the egress address, never translated (translated, it would arrive from
// the host's own address and pass the host's ACLs as the host). A packet read from the TUN
// with one as its source is the host talking to a client; anything else there that is no
// reply to the NAT came in from outside, unasked.
//
// The directed broadcast address of each IPv4 subnet the host is on (192.0.2.127 for
// 192.0.2.1/25) is the host too: the kernel delivers a packet to it locally, so the NAT
// refuses it like 255.255.255.255.
//
// Special-purpose addresses (loopback, link-local, ...) are left out: a client never
// reaches them (the NAT refuses them) and the host never sends from them to a client.
// Built off the data path (the server refreshes it on a timer); the lookups hash plain
// integers and allocate nothing.
import Addresses

/// The host's ordinary addresses and its subnets' broadcast addresses (see the file's header).
public struct HostAddresses: Equatable, Sendable {
    private let addresses: Set<IPAddress>
    private let broadcasts: Set<IPAddress>
    /// IPv4 subnets this long or longer have no broadcast address (RFC 3021 for /31).
    private static let longestPrefixWithBroadcast = 30

    /// Addresses alone, with no subnets (hence no broadcast addresses) known.
    public init<S: Sequence>(_ addresses: S) where S.Element == IPAddress {
        self.addresses = Set(addresses.filter { SpecialAddress($0) == nil })
        broadcasts = []
    }

    /// The host's interface addresses with their prefix lengths, as netlink lists them.
    public init(interfaces: [IPPrefix]) {
        addresses = Set(interfaces.map(\.address).filter { SpecialAddress($0) == nil })
        broadcasts = Set(interfaces.compactMap(Self.broadcast(of:)).filter { SpecialAddress($0) == nil })
    }

    private static func broadcast(of prefix: IPPrefix) -> IPAddress? {
        guard case .v4(let address) = prefix.address, prefix.length <= longestPrefixWithBroadcast else { return nil }
        let hostBits = UInt32.max >> UInt32(prefix.length)
        return .v4(IPv4Address(address.value | hostBits))
    }

    public func contains(_ address: IPAddress) -> Bool { addresses.contains(address) }

    /// Whether `address` is the broadcast address of one of the host's IPv4 subnets.
    public func isBroadcast(_ address: IPAddress) -> Bool { broadcasts.contains(address) }

    public var count: Int { addresses.count }
}
