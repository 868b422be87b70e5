// ICMP errors about translated flows (RFC 5508 section 4.1, RFC 7857 section 2.9):
// the outer address and the quoted packet are translated together, so the client's
// stack can match a port unreachable, fragmentation needed / packet too big, or time
// exceeded to its socket. Errors never create or refresh mappings.
import Addresses
import Packet

extension NATTable {
    /// The mapping's protocol and the port (or echo id) the quote carries on the NAT's
    /// side: its source for errors coming in, its destination for errors going out.
    private static func quotedEndpoint(_ quote: ICMPQuotedPacket,
                                       natSide source: Bool) throws(NATDropReason) -> (NATProtocol, UInt16) {
        guard quote.hasTransportHeader else { throw .noMapping }
        switch quote.transportProtocol {
        case IPProtocol.tcp, IPProtocol.udp:
            guard let port = source ? quote.sourcePort : quote.destinationPort else { throw .malformed }
            return (quote.transportProtocol == IPProtocol.tcp ? .tcp : .udp, port)
        case IPProtocol.icmpv4 where quote.version == .v4, IPProtocol.icmpv6 where quote.version == .v6:
            guard let id = quote.echoIdentifier else { throw .malformed }
            return (.icmp, id)
        default:
            throw .unsupportedProtocol
        }
    }

    /// An error from the internet quoting a packet the NAT sent (source: egress address and external port).
    func translateInboundError(_ packet: IPPacket, egress: IPAddress, now: UInt64) throws(NATDropReason) -> ClientID {
        guard let quote = packet.quotedPacket else { throw .malformed }
        guard quote.source == egress else { throw .noMapping }
        let (transport, port) = try Self.quotedEndpoint(quote, natSide: true)
        let slot = try liveOwner(isIPv4: packet.version == .v4, transport: transport, port: port, now: now)
        guard remotes.contains(quote.destination, slot: slot) else { throw .filtered }
        let mapping = slots[slot]
        try restoreFragmentIdentification(quote, now: now)
        try rewrite { () throws(RewriteError) in try packet.rewriteDestination(mapping.key.address) }
        try rewrite { () throws(RewriteError) in try quote.rewriteSource(mapping.key.address) }
        if transport == .icmp {
            try rewrite { () throws(RewriteError) in try quote.rewriteEchoIdentifier(mapping.key.port) }
        } else {
            try rewrite { () throws(RewriteError) in try quote.rewriteSourcePort(mapping.key.port) }
        }
        return mapping.client
    }

    /// A quoted IPv4 fragment left with a translated identification: give it back the
    /// client's own, so the quote is the packet the client sent. Unknown ids stay.
    private func restoreFragmentIdentification(_ quote: ICMPQuotedPacket, now: UInt64) throws(NATDropReason) {
        guard let id = quote.fragmentIdentification else { return }
        let translated = NATFragmentKey(source: quote.source, destination: quote.destination,
                                        transportProtocol: quote.transportProtocol, identification: UInt32(id))
        guard let original = outboundFragments.original(ofTranslated: translated, now: now) else { return }
        try rewrite { () throws(RewriteError) in try quote.rewriteIdentification(UInt16(original.identification)) }
    }

    /// An error a client sends about a packet it received through the NAT (e.g. its
    /// kernel's port unreachable for a closed socket): the quote's destination is the client.
    func translateOutboundError(_ packet: IPPacket, from client: ClientID, egress: IPAddress,
                                now: UInt64) throws(NATDropReason) {
        guard let quote = packet.quotedPacket else { throw .malformed }
        let (transport, port) = try Self.quotedEndpoint(quote, natSide: false)
        let key = NATFlowKey(client: client, transport: transport, address: quote.destination, port: port)
        guard let found = index[key], slots[Int(found)].expiry > now else { throw .noMapping }
        let external = slots[Int(found)].externalPort
        try rewrite { () throws(RewriteError) in try packet.rewriteSource(egress) }
        try rewrite { () throws(RewriteError) in try quote.rewriteDestination(egress) }
        if transport == .icmp {
            try rewrite { () throws(RewriteError) in try quote.rewriteEchoIdentifier(external) }
        } else {
            try rewrite { () throws(RewriteError) in try quote.rewriteDestinationPort(external) }
        }
    }
}
