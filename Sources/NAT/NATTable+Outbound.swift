// From a client to the internet: source address to the egress address, source port or
// echo identifier to the mapping's external one.
import Addresses
import Packet

extension NATTable {
    /// Translates a packet a client sent, in place. Handles TCP, UDP, ICMP/ICMPv6 echo
    /// requests, ICMP errors the client sends about a translated flow, and IPv4/IPv6
    /// fragments (later fragments follow their first one). Anything else is dropped and
    /// counted as `unsupportedProtocol`: passing it address-only would leave replies
    /// with nothing to map them back. Packets to the egress address itself (hairpinning)
    /// and IPv6 packets still following a routing header are refused and counted too, and
    /// so are destinations that name the host or its links (`SpecialAddress`, and the
    /// broadcast address of a subnet the host is on): translated, they would reach the
    /// host's loopback or links from the host's own address.
    /// Checking that the source address belongs to the client (AllowedIPs) is the caller's job.
    public func translateOutbound(_ packet: IPPacket, from client: ClientID, now: UInt64) -> NATVerdict {
        if let special = SpecialAddress(packet.destination) { return drop(NATDropReason(destination: special)) }
        if hostAddresses.isBroadcast(packet.destination) { return drop(.toBroadcast) }
        guard let egress = egressAddress(for: packet.version) else { return drop(.noEgressAddress) }
        guard packet.destination != egress else { return drop(.hairpin) }
        guard packet.routingSegmentsLeft == 0 else { return drop(.routingHeader) }
        do {
            if !packet.hasTransportHeader {
                try translateOutboundFragment(packet, from: client, egress: egress, now: now)
            } else if Self.isICMPError(packet) {
                try translateOutboundError(packet, from: client, egress: egress, now: now)
            } else {
                try translateOutboundFlow(packet, from: client, egress: egress, now: now)
            }
        } catch {
            return drop(error)
        }
        counters.translatedOutbound += 1
        return .forward
    }

    private func drop(_ reason: NATDropReason) -> NATVerdict {
        counters.drops[reason] += 1
        return .drop(reason)
    }

    /// The protocol and source port (or echo identifier) that name the client's endpoint.
    private static func outboundEndpoint(_ packet: IPPacket) -> (NATProtocol, UInt16)? {
        switch packet.transportProtocol {
        case IPProtocol.tcp: return packet.sourcePort.map { (.tcp, $0) }
        case IPProtocol.udp: return packet.sourcePort.map { (.udp, $0) }
        default:
            guard isEcho(packet, request: true), let id = packet.echoIdentifier else { return nil }
            return (.icmp, id)
        }
    }

    private func translateOutboundFlow(_ packet: IPPacket, from client: ClientID, egress: IPAddress,
                                       now: UInt64) throws(NATDropReason) {
        guard let (transport, port) = Self.outboundEndpoint(packet) else { throw .unsupportedProtocol }
        let key = NATFlowKey(client: client, transport: transport, address: packet.source, port: port)
        let slot = try findOrCreate(key, now: now)
        remotes.insert(packet.destination, slot: slot)
        if transport == .tcp { handleTCP(packet, slot: slot, outbound: true) }
        refresh(slot, now: now)
        var fragmentID: UInt16?
        if packet.isFirstFragment {
            fragmentID = try outboundFragments.record(fragmentKey(packet), mapping: reference(to: slot), client: client,
                                                      translatedSource: egress, now: now).translatedID
        }
        let external = slots[slot].externalPort
        try rewrite { () throws(RewriteError) in try packet.rewriteSource(egress) }
        if let fragmentID { try rewrite { () throws(RewriteError) in try packet.rewriteIdentification(fragmentID) } }
        if transport == .icmp {
            try rewrite { () throws(RewriteError) in try packet.rewriteEchoIdentifier(external) }
        } else {
            try rewrite { () throws(RewriteError) in try packet.rewriteSourcePort(external) }
        }
    }

    /// A later fragment: the address changes (and an IPv4 id, to its datagram's
    /// translated one), if its first fragment was translated.
    private func translateOutboundFragment(_ packet: IPPacket, from client: ClientID, egress: IPAddress,
                                           now: UInt64) throws(NATDropReason) {
        guard let entry = outboundFragments.lookup(fragmentKey(packet), now: now),
              let slot = slot(of: entry.mapping), slots[slot].client == client else { throw .noMapping }
        try rewrite { () throws(RewriteError) in try packet.rewriteSource(egress) }
        if let id = entry.translatedID { try rewrite { () throws(RewriteError) in try packet.rewriteIdentification(id) } }
    }
}
