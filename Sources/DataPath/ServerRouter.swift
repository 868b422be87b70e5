// A server's forwarding decisions, on the reactor's queue:
//   from a client: to another client (unless isolated), to the server itself (the
//     tunnel subnet), or out to the internet through the userspace NAT and then the TUN,
//     where the kernel forwards it like any routed packet (coalesced into super-packets
//     with offloads; without them, a raw socket sends them, a receive batch's in one
//     sendmmsg); routed mode: the TUN;
//   from the TUN or the raw ICMP sockets: replies to the NAT's address go back through
//     the NAT to their client; anything else is cryptokey-routed to a client, in NAT mode
//     only when the host itself sent it (nobody outside may reach a client unasked).
// Like a router it decrements TTL and answers an expired one with ICMP time exceeded.
import Addresses
import NAT
import Packet
import Reactor
import WireGuard

public final class ServerRouter: PacketRouter {
    public struct Counters {
        public var isolatedDrops: UInt64 = 0
        public var ttlExpired: UInt64 = 0
        public var malformed: UInt64 = 0
        public var rawSendFailures: UInt64 = 0
        /// Diverted packets that were not the NAT's, handed back to the kernel.
        public var returnedToKernel: UInt64 = 0
        /// ICMP copies from the raw sockets that belong to no mapping (the host's own
        /// ping or traceroute): ignored, the kernel handles its original.
        public var foreignICMP: UInt64 = 0
        /// Replies read from the TUN as super-packets and translated once, whole.
        public var superPacketsTranslated: UInt64 = 0
        /// Packets from clients dropped by their rate cap (the other way is counted by
        /// the device as the `rate_limited` drop, per peer).
        public var rateLimited: UInt64 = 0
        /// NAT mode: packets read from the TUN that are no reply to the NAT and not from
        /// one of the host's addresses (routed to the tunnel subnet from outside): dropped.
        public var unsolicitedInbound: UInt64 = 0
    }

    /// Where a packet to the egress address came from, which decides what happens to
    /// one the NAT does not own.
    enum Arrival {
        /// Diverted to the TUN by the policy rules: the kernel never saw it, so it is
        /// handed back (through the TUN, which no diversion rule matches).
        case diverted
        /// A copy from a raw ICMP socket: the kernel delivers the original itself, so
        /// the copy is dropped. Handing it back would deliver it again, and the raw
        /// socket would copy it again: a loop.
        case rawCopy
    }

    unowned let interface: TunnelInterface
    public let nat: NATTable?
    let rawIPv4: RawSocket?
    let rawIPv6: RawSocket?
    let egressIPv4: IPv4Address?
    public let egressIPv6: IPv6Address?
    /// The server's own tunnel addresses: sources of the ICMP errors it generates, and
    /// (with their prefixes) what counts as "inside the tunnel".
    let tunnelPrefixes: [IPPrefix]
    let isolateClients: Bool
    let natPorts: ClosedRange<UInt16>?
    /// Translated packets go out through the TUN (the kernel forwards them, with
    /// accept_local on the TUN since their source is the egress address) instead of a raw
    /// socket: with offloads they leave as a few coalesced super-packets, not one system
    /// call and one trip through the stack each.
    public let egressThroughTun: Bool
    public private(set) var counters = Counters()
    /// The host's own addresses, kept current by the server on the reactor's queue: what
    /// a client reaches as the host itself, and the sources the host talks to clients from.
    /// Held by the NAT (which refuses their subnets' broadcast addresses); only NAT mode
    /// asks.
    public var hostAddresses: HostAddresses {
        get { nat?.hostAddresses ?? HostAddresses([]) }
        set { nat?.hostAddresses = newValue }
    }
    /// Holds packets the router builds or forwards between clients (with headroom).
    private let scratch: UnsafeMutableRawBufferPointer
    /// Gets every packet of a peer that does not check sources (a client enrolling with
    /// an invite code): such packets go nowhere else. On the reactor's queue.
    public var onEnrolmentPacket: ((UnsafeRawBufferPointer, Peer) -> Void)?

    public init(interface: TunnelInterface, nat: NATTable?, rawIPv4: RawSocket?, rawIPv6: RawSocket?,
                egressIPv4: IPv4Address?, egressIPv6: IPv6Address?, tunnelPrefixes: [IPPrefix], isolateClients: Bool,
                natPorts: ClosedRange<UInt16>?, egressThroughTun: Bool = false) {
        self.natPorts = natPorts
        self.egressThroughTun = egressThroughTun
        self.interface = interface
        self.nat = nat
        self.rawIPv4 = rawIPv4
        self.rawIPv6 = rawIPv6
        self.egressIPv4 = egressIPv4
        self.egressIPv6 = egressIPv6
        self.tunnelPrefixes = tunnelPrefixes
        self.isolateClients = isolateClients
        scratch = .allocate(byteCount: WireGuardDevice.headroom + 65535 + WireGuardDevice.tailroom, alignment: 16)
    }

    deinit { scratch.deallocate() }

    var device: WireGuardDevice { interface.device }

    /// Seals `packet` to `peer` whatever its destination (an enrolment answer); on the
    /// reactor's queue, off the per-packet path.
    public func send(_ packet: [UInt8], to peer: Peer) {
        let start = WireGuardDevice.headroom
        guard packet.count <= scratch.count - start - WireGuardDevice.tailroom else { return }
        UnsafeMutableRawBufferPointer(rebasing: scratch[start..<(start + packet.count)]).copyBytes(from: packet)
        device.sendPacket(in: scratch, length: packet.count, to: peer, now: SystemClock.monotonicNanoseconds())
    }

    // MARK: from a client

    public func routeFromPeer(_ packet: UnsafeRawBufferPointer, peer: Peer) {
        guard peer.checksSource else {
            onEnrolmentPacket?(packet, peer)
            return
        }
        let now = SystemClock.monotonicNanoseconds()
        if let gate = peer.trafficGate, !gate.admitFromPeer(bytes: packet.count, now: now) {
            counters.rateLimited &+= 1
            device.countDrop(.rateLimited, peer)
            return
        }
        // The packet sits in the data path's own receive buffer: rewriting it in place is safe.
        let bytes = UnsafeMutableRawBufferPointer(mutating: packet)
        guard let ip = IPPacket(buffer: bytes, length: bytes.count) else {
            counters.malformed &+= 1
            return
        }
        let destination = ip.destination
        if let target = device.peer(routing: destination) {
            guard target !== peer, !isolateClients else {
                counters.isolatedDrops &+= 1
                return
            }
            forward(ip, now: now)
        } else if nat == nil || isInsideTunnel(destination) || isServerService(ip) {
            interface.queueForTun(packet)
        } else {
            sendThroughNAT(ip, from: peer, now: now)
        }
    }

    /// The server's public address is the server itself: a client reaches the host's
    /// own services there (the kernel answers to the client's tunnel address, through the
    /// TUN). Its NAT ports are not services: the NAT refuses those as hairpinning. Every
    /// other address of the host is the host too, reached the same way, source kept.
    private func isServerService(_ ip: IPPacket) -> Bool {
        guard isForEgress(ip.destination) else { return hostAddresses.contains(ip.destination) }
        return !(ip.hasTransportHeader && isNATPort(ip.destinationPort))
    }

    /// Whether the host itself sent a packet read from the TUN: its source is one of the
    /// host's addresses. IPv4 refuses the host's own addresses as sources arriving on the
    /// other interfaces (no accept_local there); IPv6 has no such check, so a spoofed IPv6
    /// source of the host's still passes (see Docs/server.md).
    private func isFromHost(_ ip: IPPacket) -> Bool {
        let source = ip.source
        return isForEgress(source) || hostAddresses.contains(source) || tunnelPrefixes.contains { $0.address == source }
    }

    private func isInsideTunnel(_ address: IPAddress) -> Bool {
        tunnelPrefixes.contains { $0.contains(address) }
    }

    /// Client to client: copied into the scratch buffer, whose headroom the encryption needs.
    private func forward(_ ip: IPPacket, now: UInt64) {
        guard decrementTTL(ip, now: now) else { return }
        let start = WireGuardDevice.headroom
        UnsafeMutableRawBufferPointer(rebasing: scratch[start..<(start + ip.length)])
            .copyMemory(from: UnsafeRawBufferPointer(ip.bytes))
        device.sendPacket(in: scratch, length: ip.length, now: now)
    }

    private func sendThroughNAT(_ ip: IPPacket, from peer: Peer, now: UInt64) {
        // Through the TUN the kernel's forwarding takes the hop off; we only answer the
        // packets that have none left (the kernel's answer would go to the NAT's address).
        guard let nat, decrementTTL(ip, now: now, rewrite: !egressThroughTun) else { return }
        guard case .forward = nat.translateOutbound(ip, from: ClientID(peer.id), now: now) else { return }
        if egressThroughTun {
            interface.queueForTun(UnsafeRawBufferPointer(ip.bytes))
            return
        }
        // The packet sits in the receive batch's buffer: it goes with the batch (flushQueued).
        guard let raw = ip.version == .v4 ? rawIPv4 : rawIPv6 else {
            counters.rawSendFailures &+= 1
            return
        }
        counters.rawSendFailures &+= UInt64(raw.queue(UnsafeRawBufferPointer(ip.bytes), to: ip.destination))
    }

    public func flushQueued() {
        counters.rawSendFailures &+= UInt64((rawIPv4?.flush() ?? 0) + (rawIPv6?.flush() ?? 0))
    }

    /// A router hop: TTL 1 or 0 ends here with an ICMP time exceeded to the sender;
    /// otherwise the TTL goes down by one (unless the kernel will do that: `rewrite` false).
    private func decrementTTL(_ ip: IPPacket, now: UInt64, rewrite: Bool = true) -> Bool {
        let ttl = ip.hopLimit
        if ttl > 1 {
            if rewrite { ip.rewriteHopLimit(ttl - 1) }
            return true
        }
        counters.ttlExpired &+= 1
        // RFC 1812 4.3.2.7: no ICMP error about an ICMP error, nor about a later fragment.
        guard ip.icmpv4?.isError != true, ip.icmpv6?.isError != true, !ip.isFragment || ip.isFirstFragment,
              let source = tunnelPrefixes.first(where: { $0.address.isIPv4 == (ip.version == .v4) })?.address else {
            return false
        }
        let start = WireGuardDevice.headroom
        let room = UnsafeMutableRawBufferPointer(rebasing: scratch[start..<(scratch.count - WireGuardDevice.tailroom)])
        if let length = ICMPTimeExceeded.build(for: ip, from: source, into: room) {
            device.sendPacket(in: scratch, length: length, now: now)
        }
        return false
    }

    // MARK: towards a client

    public func routeFromTun(_ buffer: UnsafeMutableRawBufferPointer, length: Int, now: UInt64) {
        guard nat != nil, let ip = packet(in: buffer, length: length) else {
            device.sendPacket(in: buffer, length: length, now: now)
            return
        }
        if isForEgress(ip.destination) {
            forward(ip, buffer: buffer, translateBack(ip, arrival: .diverted, now: now), now: now)
        } else if isFromHost(ip) || SpecialAddress(ip.destination) != nil {
            // The kernel forwards no multicast or link-local traffic from outside; what
            // comes to such a destination is the host's own (MLD reports from ::, say),
            // and the device treats it as before (no client owns it).
            device.sendPacket(in: buffer, length: length, now: now)
        } else {
            // NAT mode promises clients the NAT's filtering: someone who routes the tunnel
            // subnet via this host (or spoofs a client's source) gets nothing through.
            counters.unsolicitedInbound &+= 1
        }
    }

    /// A reply to the NAT is translated once for all its segments: they copy its rewritten
    /// headers, and the segmenter computes every checksum anew, so the partial checksum
    /// the incremental update leaves in the super-packet never leaves the process.
    public func routeSuperPacketFromTun(_ packet: UnsafeMutableRawBufferPointer, now: UInt64) -> SuperPacketRoute {
        guard nat != nil, let ip = IPPacket(buffer: packet, length: packet.count), isForEgress(ip.destination) else {
            return .eachSegment
        }
        let route = translateBack(ip, arrival: .diverted, now: now)
        if case .toPeer = route { counters.superPacketsTranslated &+= 1 }
        return route
    }

    /// An ICMP message from a raw socket, at `buffer[headroom...]`.
    public func routeFromRawICMP(_ buffer: UnsafeMutableRawBufferPointer, length: Int, now: UInt64) {
        guard let ip = packet(in: buffer, length: length), isForEgress(ip.destination) else { return }
        forward(ip, buffer: buffer, translateBack(ip, arrival: .rawCopy, now: now), now: now)
    }

    private func packet(in buffer: UnsafeMutableRawBufferPointer, length: Int) -> IPPacket? {
        let start = WireGuardDevice.headroom
        return IPPacket(buffer: UnsafeMutableRawBufferPointer(rebasing: buffer[start..<(start + length)]), length: length)
    }

    private func isForEgress(_ address: IPAddress) -> Bool {
        switch address {
        case .v4(let a): return a == egressIPv4
        case .v6(let a): return a == egressIPv6
        }
    }

    /// Passes a packet to the egress address back through the NAT, in place, and says
    /// where it goes now; one decision for a packet and for a whole super-packet alike.
    private func translateBack(_ ip: IPPacket, arrival: Arrival, now: UInt64) -> SuperPacketRoute {
        guard let nat else { return .dropped }
        switch nat.translateInbound(ip, now: now) {
        case .deliver:
            return .toPeer
        case .drop where arrival == .rawCopy:
            counters.foreignICMP &+= 1
            return .dropped
        case .drop where returnsToKernel(ip):
            counters.returnedToKernel &+= 1
            return .toKernel
        case .drop:
            return .dropped
        }
    }

    /// Carries out `translateBack`'s decision for one packet at `buffer[headroom...]`.
    private func forward(_ ip: IPPacket, buffer: UnsafeMutableRawBufferPointer, _ route: SuperPacketRoute, now: UInt64) {
        switch route {
        case .toPeer: device.sendPacket(in: buffer, length: ip.length, now: now)
        case .toKernel: interface.writeToTun(UnsafeRawBufferPointer(ip.bytes))
        case .eachSegment, .dropped: break
        }
    }

    /// Fragments of the host's own UDP are diverted with ours (the rules cannot tell them
    /// apart), and so is the host's own traffic to ports outside the NAT's: the kernel
    /// gets them back. Packets to NAT ports stay dropped, silently, as a NAT must.
    private func returnsToKernel(_ ip: IPPacket) -> Bool {
        ip.hasTransportHeader == false || !isNATPort(ip.destinationPort)
    }

    private func isNATPort(_ port: UInt16?) -> Bool {
        guard let port, let range = natPorts else { return false }
        return range.contains(port)
    }
}
