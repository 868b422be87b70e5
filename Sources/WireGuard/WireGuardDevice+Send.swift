// Outbound: an IP packet from the TUN is routed to a peer by its destination
// (cryptokey routing), encrypted in place under the peer's current keypair and handed
// out as one datagram; without a usable keypair it waits while a handshake starts. When
// the output holds datagrams for a batch, their encryption waits for the batch's end and
// is shared out over the cipher lanes (completeSeals).
import Addresses

extension WireGuardDevice {
    /// Sends the IP packet at `buffer[headroom ..< headroom + length]`. The buffer must
    /// have `headroom` bytes before the packet and `tailroom` after it: the message is
    /// built in place around it.
    public func sendPacket(in buffer: UnsafeMutableRawBufferPointer, length: Int, now: UInt64) {
        let start = WireGuardDevice.headroom
        guard length > 0, buffer.count >= start + length + WireGuardDevice.tailroom else {
            drops.count(.bufferTooSmall)
            return
        }
        // Longer than any IP packet: it would not fit the scratch buffer if staged.
        guard length <= InnerPacket.maximumLength else {
            drops.count(.malformedInnerPacket)
            return
        }
        let packet = UnsafeRawBufferPointer(rebasing: buffer[start..<(start + length)])
        guard let peer = routePeer(for: packet) else {
            drops.count(.noPeerForDestination)
            return
        }
        send(packet, in: buffer, to: peer, now: now)
    }

    /// Sends the packet to `peer` whatever its destination: for a peer no route leads to
    /// (one that does not check sources). The buffer is laid out as for `sendPacket`.
    public func sendPacket(in buffer: UnsafeMutableRawBufferPointer, length: Int, to peer: Peer, now: UInt64) {
        let start = WireGuardDevice.headroom
        guard length > 0, length <= InnerPacket.maximumLength,
              buffer.count >= start + length + WireGuardDevice.tailroom else {
            drops.count(.bufferTooSmall)
            return
        }
        send(UnsafeRawBufferPointer(rebasing: buffer[start..<(start + length)]), in: buffer, to: peer, now: now)
    }

    /// Seals `packet` (at the buffer's headroom) for `peer` now, or stages it while a
    /// handshake starts.
    @inline(__always)
    private func send(_ packet: UnsafeRawBufferPointer, in buffer: UnsafeMutableRawBufferPointer, to peer: Peer,
                      now: UInt64) {
        let length = packet.count
        guard peer.endpoint != nil else {
            count(.noEndpoint, peer)
            return
        }
        // One load and branch for a peer without a cap.
        if let gate = peer.trafficGate, !gate.admitToPeer(bytes: length, now: now) {
            count(.rateLimited, peer)
            return
        }
        if let keypair = usableSendingKeypair(of: peer, now: now) {
            seal(buffer, payloadLength: length, keypair: keypair, peer: peer, now: now)
        } else {
            if !peer.staged.append(packet) { count(.stagingQueueFull, peer) }
            requestHandshake(with: peer, now: now)
        }
    }

    /// Sends an empty transport message (or what is staged), so the peer knows we are
    /// alive; without keys it starts a handshake instead, as the kernel does.
    func sendKeepalive(to peer: Peer, now: UInt64) {
        if !peer.staged.isEmpty {
            sendStaged(of: peer, now: now)
            return
        }
        guard let keypair = usableSendingKeypair(of: peer, now: now) else {
            requestHandshake(with: peer, now: now)
            return
        }
        seal(scratch, payloadLength: 0, keypair: keypair, peer: peer, now: now)
    }

    /// Sends what waited for a session, in order, through the scratch buffer.
    func sendStaged(of peer: Peer, now: UInt64) {
        guard let keypair = usableSendingKeypair(of: peer, now: now) else { return }
        for packet in peer.staged.takeAll() {
            let start = WireGuardDevice.headroom
            packet.withUnsafeBytes { bytes in
                UnsafeMutableRawBufferPointer(rebasing: scratch[start..<(start + bytes.count)]).copyMemory(from: bytes)
            }
            seal(scratch, payloadLength: packet.count, keypair: keypair, peer: peer, now: now)
        }
    }

    /// The peer whose AllowedIPs hold the packet's destination.
    @inline(__always)
    func routePeer(for packet: UnsafeRawBufferPointer) -> Peer? {
        guard let length = InnerPacket.length(packet, available: packet.count), length > 0 else { return nil }
        let (isIPv4, offset) = InnerPacket.addressOffset(packet, source: false)
        let id = isIPv4 ? allowedIPs.lookup(ipv4NetworkBytes: packet, at: offset)
                        : allowedIPs.lookup(ipv6NetworkBytes: packet, at: offset)
        return id.flatMap { peer(withID: $0) }
    }

    /// The current keypair if it may still send: not retired, not too old, counter left.
    @inline(__always)
    func usableSendingKeypair(of peer: Peer, now: UInt64) -> Keypair? {
        guard let keypair = peer.current, !keypair.isWiped,
              !configuration.timers.isKeypairExpired(sessionCreated: keypair.createdAt, now: now),
              keypair.sendingCounter < ProtocolConstants.rejectAfterMessages else { return nil }
        return keypair
    }

    /// Encrypts `buffer[headroom ..< headroom + payloadLength]` into a transport message at
    /// the start of `buffer`, sends it to the peer's endpoint and starts a rekey if due.
    /// If the output holds the datagram until `completeSeals`, the encryption waits there.
    @inline(__always)
    func seal(_ buffer: UnsafeMutableRawBufferPointer, payloadLength: Int, keypair: Keypair, peer: Peer, now: UInt64) {
        guard let endpoint = peer.endpoint else {
            count(.noEndpoint, peer)
            return
        }
        let ticket: SealTicket
        do {
            ticket = try keypair.reserveSeal(payloadLength: payloadLength, in: buffer, now: now, mtu: configuration.mtu)
        } catch {
            count(.expiredKeypair, peer)
            return
        }
        let datagram = UnsafeRawBufferPointer(rebasing: buffer[0..<ticket.totalLength])
        if let lanes = cipherLanes, output.holdsUntilSealed(datagram) {
            if pendingSeals.isFull { completeSeals() }
            keypair.prepareLanes(lanes.count)
            pendingSeals.append(SealJob(keypair: keypair, buffer: buffer, ticket: ticket))
        } else if !keypair.encrypt(ticket, in: buffer, lane: 0) {
            count(.expiredKeypair, peer)
            return
        }
        output.send(datagram: datagram, to: endpoint)
        peer.sentBytes &+= UInt64(ticket.totalLength)
        peer.timers.anyAuthenticatedPacketTraversal(now: now)
        peer.timers.anyAuthenticatedPacketSent(now: now)
        if payloadLength > 0 { peer.timers.dataSent(now: now) }
        // After every message, keepalives too: a link that carries only those still rekeys.
        keepKeyFreshAfterSending(peer, keypair, now: now)
    }

    /// Encrypts every datagram the output holds for it (see DeviceOutput.holdsUntilSealed),
    /// spread over the cipher lanes. The output sends them only after this returns.
    public func completeSeals() {
        guard !pendingSeals.isEmpty else { return }
        pendingSeals.perform(on: cipherLanes)
        pendingSeals.finish { job, sealed in
            guard !sealed else { return }
            // Only a keypair wiped since its ticket fails, which nothing on the owning queue
            // does mid-batch. The output sends the datagram anyway: blank what would have
            // been ciphertext, so all the peer gets is a message that fails to authenticate.
            let body = job.buffer[TransportHeader.length..<job.ticket.totalLength]
            SecureMemory.wipe(UnsafeMutableRawBufferPointer(rebasing: body))
            drops.count(.expiredKeypair)
        }
    }

    /// The initiator of a session renews it before it grows old (time or messages).
    @inline(__always)
    func keepKeyFreshAfterSending(_ peer: Peer, _ keypair: Keypair, now: UInt64) {
        guard configuration.timers.needsRekeyForSending(sessionCreated: keypair.createdAt, now: now,
                                                         isInitiator: keypair.isInitiator,
                                                         sendCounter: keypair.sendingCounter) else { return }
        requestHandshake(with: peer, now: now)
    }

    @inline(__always)
    /// Counts a drop the I/O layer decided (a rate cap on the way from the peer).
    public func countDrop(_ reason: DropReason, _ peer: Peer) { count(reason, peer) }

    func count(_ reason: DropReason, _ peer: Peer) {
        drops.count(reason)
        peer.drops.count(reason)
    }
}
