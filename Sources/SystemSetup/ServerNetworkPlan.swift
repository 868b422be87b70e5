// What the server changes around its tunnel interface (pure, like the client's plan).
//
// Userspace NAT: replies to the NAT's ports must reach the program, not the kernel's
// TCP/UDP (which would answer with RST or port unreachable). So, per family with an
// egress address: a table holding one default route into the tunnel interface; rules
// `iif EGRESS ipproto tcp|udp dport LOW-HIGH lookup TABLE` at priority 1; and the
// kernel's `lookup local` rule moved from 0 to 4, behind them. Forwarding is turned on
// (the diverted replies are forwarded into the interface). Routed mode (`--nat off`)
// only turns on forwarding.
//
// Only what is addressed to the egress address is diverted: a NAT reply always is, and a
// packet for a client's tunnel address that came in with a NAT port would otherwise be
// forwarded into the interface as if it were one.
//
// Outsiders: IPv4 drops a packet arriving with one of the host's own addresses as its
// source (a martian); IPv6 has no such check, so a neighbour on the egress link could
// spoof the host's address and pass the router's "from the host itself" test. In NAT
// mode nothing from the egress is ever for a tunnel address, so IPv6 packets arriving
// there for the tunnel's prefixes are refused by a prohibit rule, after the local rule
// (the host's own tunnel address stays the host's). IPv4 ones reach the router, which
// drops and counts them (router_unsolicited_inbound).
//
// Fragments: a UDP reply too big for one packet arrives as fragments, and only the
// first carries ports; the rules see port 0 for the others. So two more UDP rules:
// every real port (1-65534) goes on to the local rule (`goto 4`), and what is left (port
// 0: non-first fragments) is diverted too. The program translates the fragments of its
// own flows and hands the rest back to the kernel through the tunnel interface, where
// they meet their first fragment in the kernel's reassembly.
import Addresses
import Netlink
import Packet

/// Each rule has a priority of its own, so removing one can never match another.
public enum ServerRulePriority {
    /// TCP and UDP to the NAT's ports: the very first thing the kernel looks at.
    public static let natDiversion: UInt32 = 1
    /// UDP to any other real port: on to the local rule.
    public static let otherUDPPorts: UInt32 = 2
    /// UDP left over, port 0: fragments after the first.
    public static let udpFragments: UInt32 = 3
    /// Where the kernel's `lookup local` rule goes while the server runs.
    public static let movedLocal: UInt32 = 4
    /// IPv6 from the egress for the tunnel's prefixes: prohibited.
    public static let outsideToTunnel: UInt32 = 5
    /// The widest port range a rule may hold (the kernel refuses 0 and 65535 in one).
    static let everyRulePort: ClosedRange<UInt16> = 1...65534
}

public struct ServerNATPlan: Equatable, Sendable {
    public var egressInterface: String
    public var families: [AddressFamily]
    public var ports: ClosedRange<UInt16>
    public var table: UInt32
    /// The NAT's source addresses, one per family: only packets to them are diverted.
    public var egressAddresses: [IPAddress]

    public init(egressInterface: String, families: [AddressFamily], ports: ClosedRange<UInt16>, table: UInt32,
                egressAddresses: [IPAddress] = []) {
        self.egressInterface = egressInterface
        self.families = families
        self.ports = ports
        self.table = table
        self.egressAddresses = egressAddresses
    }

    /// The egress address of `family` as a host prefix, when known.
    func egressHost(_ family: AddressFamily) -> IPPrefix? {
        egressAddresses.first { ($0.isIPv4 ? AddressFamily.ipv4 : .ipv6) == family }
            .map { IPPrefix(address: $0, length: $0.bitWidth) }
    }
}

extension NetworkPlan {
    /// The server's table for diverted NAT replies (wg-quick's 51820 + 1, so both fit).
    public static let serverNATTable: UInt32 = 51821

    public init(serverInterface name: String, index: Int32, addresses: [IPPrefix], mtu: UInt32,
                nat: ServerNATPlan?, forwardIPv6: Bool) {
        interfaceName = name
        interfaceIndex = index
        self.addresses = NetworkPlan.unique(addresses)
        self.mtu = mtu
        protocolID = TunnelRouteProtocol.server
        routes = []
        rules = []
        sysctls = [.ipv4Forwarding]
        if forwardIPv6 { sysctls.append(.ipv6Forwarding) }
        socketMark = nil
        fullTunnelFamilies = []
        fullTunnelTable = nil
        resolver = nil
        guard let nat else { return }
        for family in nat.families {
            let everything = IPPrefix(address: family == .ipv4 ? .v4(IPv4Address(0)) : .v6(IPv6Address(high: 0, low: 0)),
                                      length: 0)
            routes.append(Route(destination: everything, table: nat.table, outputLinkIndex: index,
                                protocolID: TunnelRouteProtocol.server))
            let egressHost = nat.egressHost(family)
            for proto in [IPProtocol.tcp, IPProtocol.udp] {
                rules.append(Rule(family: family, priority: ServerRulePriority.natDiversion, action: .lookup(table: nat.table),
                                  destination: egressHost, inputInterface: nat.egressInterface, ipProtocol: proto,
                                  destinationPorts: nat.ports, protocolID: TunnelRouteProtocol.server))
            }
            rules.append(Rule(family: family, priority: ServerRulePriority.otherUDPPorts,
                              action: .goto(priority: ServerRulePriority.movedLocal), inputInterface: nat.egressInterface,
                              ipProtocol: IPProtocol.udp, destinationPorts: ServerRulePriority.everyRulePort,
                              protocolID: TunnelRouteProtocol.server))
            rules.append(Rule(family: family, priority: ServerRulePriority.udpFragments, action: .lookup(table: nat.table),
                              destination: egressHost, inputInterface: nat.egressInterface, ipProtocol: IPProtocol.udp,
                              protocolID: TunnelRouteProtocol.server))
            if family == .ipv6 {
                for prefix in NetworkPlan.unique(addresses.filter { !$0.address.isIPv4 }.map(\.network)) {
                    rules.append(Rule(family: .ipv6, priority: ServerRulePriority.outsideToTunnel, action: .prohibit,
                                      destination: prefix, inputInterface: nat.egressInterface,
                                      protocolID: TunnelRouteProtocol.server))
                }
            }
        }
        movedLocalRules = nat.families
        movedLocalRulePriority = ServerRulePriority.movedLocal
    }
}

