// From the internet back to a client: destination address to the client's tunnel
// address, destination port or echo identifier to the client's own.
import Addresses
import Packet

extension NATTable {
    /// Translates a packet that arrived for the egress address, in place, and names the
    /// client to send it to. Handles TCP and UDP to NAT ports, ICMP/ICMPv6 echo replies,
    /// ICMP errors quoting a translated packet (RFC 5508), and later fragments of a
    /// datagram whose first fragment was translated. Only remotes a mapping has sent to
    /// get in (address-dependent filtering); ICMP errors are filtered on the address
    /// their quoted packet went to, since routers on the way send them. IPv6 packets still
    /// following a routing header are refused (`routingHeader`).
    public func translateInbound(_ packet: IPPacket, now: UInt64) -> NATInboundVerdict {
        guard let egress = egressAddress(for: packet.version) else { return drop(.noEgressAddress) }
        guard packet.destination == egress else { return drop(.noMapping) }
        guard packet.routingSegmentsLeft == 0 else { return drop(.routingHeader) }
        let client: ClientID
        do {
            if !packet.hasTransportHeader {
                client = try translateInboundFragment(packet, now: now)
            } else if Self.isICMPError(packet) {
                client = try translateInboundError(packet, egress: egress, now: now)
            } else {
                client = try translateInboundFlow(packet, now: now)
            }
        } catch {
            return drop(error)
        }
        counters.translatedInbound += 1
        return .deliver(to: client)
    }

    private func drop(_ reason: NATDropReason) -> NATInboundVerdict {
        counters.drops[reason] += 1
        return .drop(reason)
    }

    /// The protocol and destination port (or echo identifier) that name the external endpoint.
    private static func inboundEndpoint(_ packet: IPPacket) -> (NATProtocol, UInt16)? {
        switch packet.transportProtocol {
        case IPProtocol.tcp: return packet.destinationPort.map { (.tcp, $0) }
        case IPProtocol.udp: return packet.destinationPort.map { (.udp, $0) }
        default:
            guard isEcho(packet, request: false), let id = packet.echoIdentifier else { return nil }
            return (.icmp, id)
        }
    }

    private func translateInboundFlow(_ packet: IPPacket, now: UInt64) throws(NATDropReason) -> ClientID {
        guard let (transport, port) = Self.inboundEndpoint(packet) else { throw .unsupportedProtocol }
        let slot = try liveOwner(isIPv4: packet.version == .v4, transport: transport, port: port, now: now)
        guard remotes.contains(packet.source, slot: slot) else { throw .filtered }
        if transport == .tcp { handleTCP(packet, slot: slot, outbound: false) }
        refresh(slot, now: now)
        if packet.isFirstFragment {
            _ = try inboundFragments.record(fragmentKey(packet), mapping: reference(to: slot), client: slots[slot].client,
                                            now: now)
        }
        let mapping = slots[slot]
        try rewrite { () throws(RewriteError) in try packet.rewriteDestination(mapping.key.address) }
        if transport == .icmp {
            try rewrite { () throws(RewriteError) in try packet.rewriteEchoIdentifier(mapping.key.port) }
        } else {
            try rewrite { () throws(RewriteError) in try packet.rewriteDestinationPort(mapping.key.port) }
        }
        return mapping.client
    }

    /// A later fragment of a reply: only the address changes, if its first fragment was translated.
    private func translateInboundFragment(_ packet: IPPacket, now: UInt64) throws(NATDropReason) -> ClientID {
        guard let entry = inboundFragments.lookup(fragmentKey(packet), now: now),
              let slot = slot(of: entry.mapping) else { throw .noMapping }
        let mapping = slots[slot]
        try rewrite { () throws(RewriteError) in try packet.rewriteDestination(mapping.key.address) }
        return mapping.client
    }
}
