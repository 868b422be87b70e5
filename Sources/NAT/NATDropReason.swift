// Why the NAT refused a packet; each reason has its own counter.
import Addresses

/// A reason the NAT did not translate a packet.
public enum NATDropReason: Int, CaseIterable, Sendable, CustomStringConvertible {
    /// No free external port or identifier left in the range.
    case tableFull
    /// The client already holds its share of the pool (`maxPortsPerClient`, by default
    /// `NATConfiguration.fairShare`) or `maxMappingsPerClient` mappings in all.
    case perClientLimit
    /// Nothing maps the packet: an unknown port, an unknown fragment, an ICMP error about no flow.
    case noMapping
    /// Address-dependent filtering: the mapping never sent to this remote address.
    case filtered
    /// Not TCP, UDP, ICMP echo or an ICMP error (the NAT passes nothing else).
    case unsupportedProtocol
    /// The packet parsed but cannot be translated (e.g. an ICMP error with an unreadable quote).
    case malformed
    /// An IPv6 packet while no IPv6 egress address is configured.
    case noEgressAddress
    /// A first fragment while its client holds its share of the fragment records.
    case fragmentLimit
    /// An IPv6 routing header with segments left: the address in the header is not the
    /// final destination, so neither the mapping's remote nor the checksum would be right.
    case routingHeader
    /// A client sent to the egress address itself (hairpinning is refused, see Docs/server.md).
    case hairpin
    /// The destination names the server host or its links, never a remote: loopback,
    /// unspecified, multicast, broadcast, link-local (`SpecialAddress`, IPv4-mapped forms
    /// included). Translated, it would reach the host's loopback or links from the host's
    /// own address (see Docs/server.md).
    case toLoopback
    case toUnspecified
    case toMulticast
    case toBroadcast
    case toLinkLocal

    /// The reason a destination of this kind is refused for.
    public init(destination kind: SpecialAddress) {
        switch kind {
        case .loopback: self = .toLoopback
        case .unspecified: self = .toUnspecified
        case .multicast: self = .toMulticast
        case .broadcast: self = .toBroadcast
        case .linkLocal: self = .toLinkLocal
        }
    }

    public var description: String {
        switch self {
        case .tableFull: return "table full"
        case .perClientLimit: return "per-client limit"
        case .noMapping: return "no mapping"
        case .filtered: return "filtered"
        case .unsupportedProtocol: return "unsupported protocol"
        case .malformed: return "malformed"
        case .noEgressAddress: return "no egress address"
        case .fragmentLimit: return "per-client fragment limit"
        case .routingHeader: return "routing header"
        case .hairpin: return "hairpin"
        case .toLoopback: return "to loopback"
        case .toUnspecified: return "to unspecified address"
        case .toMulticast: return "to multicast"
        case .toBroadcast: return "to broadcast"
        case .toLinkLocal: return "to link-local"
        }
    }
}

/// Internal steps throw the reason, so the public entry points count it in one place.
extension NATDropReason: Error {}
