// Inbound: one datagram from the UDP socket, dispatched by message type. Transport
// messages are decrypted in place, checked against the sender's AllowedIPs and handed
// to the TUN; handshake and cookie messages go to WireGuardDevice+Handshake.
import Addresses

extension WireGuardDevice {
    /// Handles the datagram at `buffer[0..<length]`, received from `source`. The buffer is
    /// decrypted in place.
    public func receiveDatagram(in buffer: UnsafeMutableRawBufferPointer, length: Int, from source: Endpoint,
                                now: UInt64) {
        guard length > 0, length <= buffer.count else {
            drops.count(.malformedDatagram)
            return
        }
        let message = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<length])
        switch MessageType.of(UnsafeRawBufferPointer(message)) {
        case .transportData?: receiveTransport(message, from: source, now: now)
        case .handshakeInitiation?: receiveInitiation(UnsafeRawBufferPointer(message), from: source, now: now)
        case .handshakeResponse?: receiveResponse(UnsafeRawBufferPointer(message), from: source, now: now)
        case .cookieReply?: receiveCookieReply(UnsafeRawBufferPointer(message), now: now)
        case nil: drops.count(.unknownMessageType)
        }
    }

    private func receiveTransport(_ message: UnsafeMutableRawBufferPointer, from source: Endpoint, now: UInt64) {
        guard message.count >= TransportHeader.minimumMessageLength else {
            drops.count(.malformedDatagram)
            return
        }
        let index = message.loadUnaligned(fromByteOffset: 4, as: UInt32.self).littleEndian
        guard case .keypair(let peer, let keypair)? = indexTable.lookup(index) else {
            drops.count(.unknownReceiverIndex)
            return
        }
        let plaintext: Range<Int>
        do {
            plaintext = try keypair.open(message, now: now)
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
        let (isIPv4, offset) = InnerPacket.addressOffset(inner, source: true)
        let owner = isIPv4 ? allowedIPs.lookup(ipv4NetworkBytes: inner, at: offset)
                           : allowedIPs.lookup(ipv6NetworkBytes: inner, at: offset)
        guard owner == ObjectIdentifier(peer) else {
            count(.sourceNotAllowed, peer)
            return
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
