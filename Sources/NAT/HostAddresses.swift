// The server host's own addresses (every interface's: the egress's, the tunnel's, a LAN's),
// as its router needs them in NAT mode. A client's packet to one is for the host itself:
// it goes to the kernel as it came, with the client's tunnel address as source, like a
// packet to the egress address, never translated (translated, it would arrive from the
// host's own address and pass the host's ACLs as the host). A packet read from the TUN
// with one as its source is the host talking to a client; anything else there that is no
// reply to the NAT came in from outside, unasked.
//
// Special-purpose addresses (loopback, link-local, ...) are left out: a client never
// reaches them (the NAT refuses them) and the host never sends from them to a client.
// Built off the data path (the server refreshes it on a timer); `contains` is a hash
// lookup on plain integers and allocates nothing.
import Addresses

/// A set of the host's ordinary addresses (see the file's header).
public struct HostAddresses: Equatable, Sendable {
    private let addresses: Set<IPAddress>

    public init<S: Sequence>(_ addresses: S) where S.Element == IPAddress {
        self.addresses = Set(addresses.filter { SpecialAddress($0) == nil })
    }

    public func contains(_ address: IPAddress) -> Bool { addresses.contains(address) }

    public var count: Int { addresses.count }
}
