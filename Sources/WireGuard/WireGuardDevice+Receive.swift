// Inbound: one datagram from the UDP socket, dispatched by message type. Transport
// messages are decrypted in place, checked against the sender's AllowedIPs and handed
// to the TUN; handshake and cookie messages go to WireGuardDevice+Handshake. A batch's
// transport messages may be checked first and decrypted together over the cipher lanes
// (completeReceives), then finished one by one in the order they came.
import Addresses

extension WireGuardDevice {
    /// Handles the datagram at `buffer[0..<length]`, received from `source`. The buffer is
    /// decrypted in place. With `deferringDecryption`, a transport message is checked now
    /// but decrypted and delivered at `completeReceives()` with the rest of the batch, over
    /// the cipher lanes; its bytes must stay untouched until then.
    public func receiveDatagram(in buffer: UnsafeMutableRawBufferPointer, length: Int, from source: Endpoint,
                                now: UInt64, deferringDecryption: Bool = false) {
        guard length > 0, length <= buffer.count else {
            drops.count(.malformedDatagram)
            return
        }
        let message = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<length])
        let type = MessageType.of(UnsafeRawBufferPointer(message))
        if type == .transportData {
            receiveTransport(message, from: source, now: now, deferring: deferringDecryption && cipherLanes != nil)
            return
        }
        // A handshake may replace the keypairs the waiting messages were checked against.
        completeReceives()
        switch type {
        case .handshakeInitiation?: receiveInitiation(UnsafeRawBufferPointer(message), from: source, now: now)
        case .handshakeResponse?: receiveResponse(UnsafeRawBufferPointer(message), from: source, now: now)
        case .cookieReply?: receiveCookieReply(UnsafeRawBufferPointer(message), now: now)
        case .transportData?, nil: drops.count(.unknownMessageType)
        }
    }

    /// Decrypts every transport message waiting since `receiveDatagram(deferringDecryption:)`,
    /// spread over the cipher lanes, then finishes each in the order it came.
    public func completeReceives() {
        guard !pendingOpens.isEmpty else { return }
        pendingOpens.perform(on: cipherLanes)
        pendingOpens.finish { job, authenticated in
            guard authenticated else {
                count(.decryptionFailed, job.peer)
                return
            }
            finishTransport(job.message, keypair: job.keypair, peer: job.peer, counter: job.counter,
                            from: job.source, now: job.now)
        }
    }

    private func receiveTransport(_ message: UnsafeMutableRawBufferPointer, from source: Endpoint, now: UInt64,
                                  deferring: Bool) {
        guard message.count >= TransportHeader.minimumMessageLength else {
            drops.count(.malformedDatagram)
            return
        }
        let index = message.loadUnaligned(fromByteOffset: 4, as: UInt32.self).littleEndian
        guard case .keypair(let peer, let keypair)? = indexTable.lookup(index) else {
            drops.count(.unknownReceiverIndex)
            return
        }
        let counter: UInt64
        do {
            counter = try keypair.admit(UnsafeRawBufferPointer(message), now: now)
        } catch {
            count(WireGuardDevice.dropReason(for: error), peer)
            return
        }
        if deferring, let lanes = cipherLanes {
            if pendingOpens.isFull { completeReceives() }
            keypair.prepareLanes(lanes.count)
            pendingOpens.append(OpenJob(keypair: keypair, peer: peer, message: message, counter: counter,
                                        source: source, now: now))
            return
        }
        guard keypair.decrypt(message, counter: counter, lane: 0) else {
            count(.decryptionFailed, peer)
            return
        }
        finishTransport(message, keypair: keypair, peer: peer, counter: counter, from: source, now: now)
    }

    /// An authenticated message: the replay window, roaming, session confirmation, timers,
    /// then the inner packet's source check and delivery.
    private func finishTransport(_ message: UnsafeMutableRawBufferPointer, keypair: Keypair, peer: Peer,
                                 counter: UInt64, from source: Endpoint, now: UInt64) {
        let plaintext: Range<Int>
        do {
            plaintext = try keypair.accept(message, counter: counter)
        } catch {
            count(WireGuardDevice.dropReason(for: error), peer)
            return
        }
        // Endpoint first: confirming sends staged packets, and they go where the peer is now.
        updateEndpoint(of: peer, to: source)
        if keypair === peer.next { confirmNextKeypair(of: peer, now: now) }
        peer.receivedBytes &+= UInt64(message.count)
        peer.timers.anyAuthenticatedPacketReceived(now: now)
        peer.timers.anyAuthenticatedPacketTraversal(now: now)
        keepKeyFreshAfterReceiving(peer, now: now)
        guard !plaintext.isEmpty else { return }  // a keepalive

        let inner = UnsafeRawBufferPointer(rebasing: message[plaintext])
        guard let length = InnerPacket.length(inner, available: inner.count) else {
            count(.malformedInnerPacket, peer)
            return
        }
        if peer.checksSource {
            let (isIPv4, offset) = InnerPacket.addressOffset(inner, source: true)
            let owner = isIPv4 ? allowedIPs.lookup(ipv4NetworkBytes: inner, at: offset)
                               : allowedIPs.lookup(ipv6NetworkBytes: inner, at: offset)
            guard owner == ObjectIdentifier(peer) else {
                count(.sourceNotAllowed, peer)
                return
            }
        }
        peer.timers.dataReceived(now: now)
        output.deliver(packet: UnsafeRawBufferPointer(rebasing: inner[0..<length]), from: peer)
    }

    /// The initiator of a session renews it shortly before it would expire, if the
    /// responder is the only one talking.
    private func keepKeyFreshAfterReceiving(_ peer: Peer, now: UInt64) {
        guard let current = peer.current,
              peer.timers.shouldRekeyAfterReceiving(sessionCreated: current.createdAt, now: now,
                                                    isInitiator: current.isInitiator) else { return }
        requestHandshake(with: peer, now: now)
    }

    /// Roaming: a peer's endpoint follows the source of its latest authenticated packet.
    func updateEndpoint(of peer: Peer, to source: Endpoint) {
        guard peer.endpoint != source else { return }
        peer.endpoint = source
        output.record(.endpointChanged(peer: peer.displayName, endpoint: source))
    }

    static func dropReason(for error: TransportError) -> DropReason {
        switch error {
        case .malformed: return .malformedDatagram
        case .wrongReceiverIndex: return .unknownReceiverIndex
        case .expired, .counterExhausted, .keypairWiped: return .expiredKeypair
        case .replayed, .tooOld, .counterLimit: return .replayed
        case .authenticationFailed: return .decryptionFailed
        case .bufferTooSmall: return .bufferTooSmall
        }
    }
}
