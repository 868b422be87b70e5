// Handshake glue: sending initiations, answering them, consuming responses and cookie
// replies, and rotating keypairs as the kernel's noise.c does. MAC1 is checked on every
// handshake message; under load MAC2 is demanded and a cookie reply sent instead.
import Addresses

extension WireGuardDevice {
    // MARK: initiating

    /// A fresh (non-retry) handshake, at most one per REKEY_TIMEOUT.
    func requestHandshake(with peer: Peer, now: UInt64) {
        guard peer.timers.requestHandshake(now: now) else { return }
        sendInitiation(to: peer, now: now, isRetry: false)
    }

    /// An initiation now, inside REKEY_TIMEOUT of the last one: for a peer just moved to
    /// another endpoint, whose last initiation went to the address that did not answer.
    /// Counted as a retry, so REKEY_ATTEMPT_TIME still bounds the attempts.
    public func resendInitiation(to peer: Peer, now: UInt64) {
        sendInitiation(to: peer, now: now, isRetry: true)
    }

    func sendInitiation(to peer: Peer, now: UInt64, isRetry: Bool) {
        guard let endpoint = peer.endpoint else { return }
        clearHandshake(of: peer)
        let index = indexTable.insert(.handshake(peer))
        peer.handshakeIndex = index
        do {
            var bytes = try peer.handshake.createInitiation(local: identity, localIndex: index,
                                                            timestamp: wallClock()).encoded()
            peer.cookie.addMACs(to: &bytes, now: now)
            bytes.withUnsafeBytes { output.send(datagram: $0, to: endpoint) }
        } catch {
            clearHandshake(of: peer)
            peer.handshakesFailed &+= 1
            // Counts as an attempt (the kernel stamps the time before building): a peer key
            // that can never work is retried on the retransmit timer, not on every packet.
            peer.timers.handshakeInitiated(now: now)
            output.record(.handshakeRejected(peer: peer.displayName, reason: "cannot create initiation: \(error)"))
            return
        }
        peer.handshakesSent &+= 1
        peer.timers.anyAuthenticatedPacketTraversal(now: now)
        peer.timers.anyAuthenticatedPacketSent(now: now)
        peer.timers.handshakeInitiated(now: now)
        output.record(.handshakeInitiationSent(peer: peer.displayName, retry: isRetry))
    }

    // MARK: responding

    func receiveInitiation(_ message: UnsafeRawBufferPointer, from source: Endpoint, now: UInt64) {
        guard let pending = screenInitiation(message, from: source, now: now) else { return }
        completeInitiation(pending.identify(), now: now)
    }

    /// The checks before any Diffie-Hellman: length, MACs, cookie (under load) and rate.
    /// Nil when the message is dropped (counted) or answered with a cookie reply; otherwise
    /// `identify()` it, on any thread, and hand the result to `completeInitiation`.
    public func screenInitiation(_ message: UnsafeRawBufferPointer, from source: Endpoint,
                                 now: UInt64) -> PendingInitiation? {
        guard message.count == HandshakeInitiation.length else { drops.count(.malformedDatagram); return nil }
        guard passesMACs(message, from: source, now: now) else { return nil }
        do {
            return PendingInitiation(message: try HandshakeInitiation(bytes: message), local: identity, source: source)
        } catch {
            drops.count(.handshakeFailed)
            output.record(.handshakeRejected(peer: nil, reason: "\(error)"))
            return nil
        }
    }

    /// The rest of an initiation once its sender is known: the peer's checks (replay,
    /// flood), then the response and the new session.
    public func completeInitiation(_ identified: IdentifiedInitiation, now: UInt64) {
        // A new session may replace the keypairs waiting messages were checked against.
        completeReceives()
        var identityOfInitiator: InitiatorIdentity
        switch identified.result {
        case .failure(let error):
            drops.count(.handshakeFailed)
            output.record(.handshakeRejected(peer: nil, reason: "\(error)"))
            return
        case .success(let found):
            identityOfInitiator = found
        }
        defer { identityOfInitiator.wipe() }
        // Decrypted with a key the device no longer has (set meanwhile): the initiator
        // addressed the old one and retries.
        guard identified.localPublicKey == identity.publicKey else {
            drops.count(.handshakeFailed)
            return
        }
        guard let peer = peersByKey[identityOfInitiator.publicKey] else {
            drops.count(.handshakeFailed)
            output.record(.handshakeRejected(peer: nil, reason: "initiation from a public key that is not a configured peer"))
            return
        }
        let source = identified.source
        do {
            try peer.handshake.consumeInitiation(identityOfInitiator, local: identity, now: now)
        } catch {
            rejectHandshake(of: peer, error)
            return
        }
        // Our own initiation in flight, if any, is superseded: forget its index.
        if let stale = peer.handshakeIndex { indexTable.remove(stale); peer.handshakeIndex = nil }
        peer.handshakesReceived &+= 1
        updateEndpoint(of: peer, to: source)
        peer.timers.anyAuthenticatedPacketReceived(now: now)
        peer.timers.anyAuthenticatedPacketTraversal(now: now)
        output.record(.handshakeInitiationReceived(peer: peer.displayName))
        sendResponse(to: peer, at: source, now: now)
    }

    private func sendResponse(to peer: Peer, at endpoint: Endpoint, now: UInt64) {
        let index = indexTable.insert(.handshake(peer))
        peer.handshakeIndex = index
        do {
            var bytes = try peer.handshake.createResponse(local: identity, localIndex: index).encoded()
            peer.cookie.addMACs(to: &bytes, now: now)
            let keypair = try peer.handshake.beginSession(now: now, timers: configuration.timers)
            installResponderKeypair(keypair, for: peer)
            peer.timers.sessionDerived(now: now)
            peer.timers.anyAuthenticatedPacketTraversal(now: now)
            peer.timers.anyAuthenticatedPacketSent(now: now)
            peer.timers.handshakeResponseSent(now: now)
            bytes.withUnsafeBytes { output.send(datagram: $0, to: endpoint) }
            output.record(.handshakeResponseSent(peer: peer.displayName))
        } catch {
            clearHandshake(of: peer)
            rejectHandshake(of: peer, error)
        }
    }

    // MARK: completing

    func receiveResponse(_ message: UnsafeRawBufferPointer, from source: Endpoint, now: UInt64) {
        guard message.count == HandshakeResponse.length else { drops.count(.malformedDatagram); return }
        guard passesMACs(message, from: source, now: now) else { return }
        let response: HandshakeResponse
        do { response = try HandshakeResponse(bytes: message) } catch { drops.count(.malformedDatagram); return }
        guard case .handshake(let peer)? = indexTable.lookup(response.receiverIndex) else {
            drops.count(.unknownReceiverIndex)
            return
        }
        let keypair: Keypair
        do {
            try peer.handshake.consumeResponse(response, local: identity)
            keypair = try peer.handshake.beginSession(now: now, timers: configuration.timers)
        } catch {
            rejectHandshake(of: peer, error)
            return
        }
        installInitiatorKeypair(keypair, for: peer)
        updateEndpoint(of: peer, to: source)
        peer.timers.anyAuthenticatedPacketReceived(now: now)
        peer.timers.anyAuthenticatedPacketTraversal(now: now)
        peer.timers.handshakeComplete(now: now)
        peer.timers.sessionDerived(now: now)
        peer.lastHandshake = wallClock()
        output.record(.sessionEstablished(peer: peer.displayName, asInitiator: true))
        // Staged packets go now; with none, a keepalive confirms the session to the responder.
        sendKeepalive(to: peer, now: now)
    }

    func receiveCookieReply(_ message: UnsafeRawBufferPointer, now: UInt64) {
        guard let reply = try? CookieReply(bytes: message) else { drops.count(.malformedDatagram); return }
        guard let peer = indexTable.lookup(reply.receiverIndex)?.peer else {
            drops.count(.unknownReceiverIndex)
            return
        }
        do {
            try peer.cookie.consume(reply, now: now)
            output.record(.cookieReplyReceived(peer: peer.displayName))
        } catch {
            count(.invalidMAC, peer)
        }
    }

    // MARK: keypair rotation (noise.c add_new_keypair / received_with_keypair)

    /// The initiator uses a new keypair at once; the one before stays to receive.
    private func installInitiatorKeypair(_ keypair: Keypair, for peer: Peer) {
        indexTable.replace(keypair.localIndex, with: .keypair(peer, keypair))
        peer.handshakeIndex = nil
        if let next = peer.next {
            if let old = peer.previous { retire(old) }
            peer.previous = next
            peer.next = nil
            if let current = peer.current { retire(current) }
        } else {
            if let old = peer.previous { retire(old) }
            peer.previous = peer.current
        }
        peer.current = keypair
    }

    /// The responder may not send with a new keypair until the initiator has used it.
    private func installResponderKeypair(_ keypair: Keypair, for peer: Peer) {
        indexTable.replace(keypair.localIndex, with: .keypair(peer, keypair))
        peer.handshakeIndex = nil
        if let old = peer.next { retire(old) }
        peer.next = keypair
        if let old = peer.previous { retire(old) }
        peer.previous = nil
    }

    /// First data under the responder's new keypair: it becomes current.
    func confirmNextKeypair(of peer: Peer, now: UInt64) {
        guard let next = peer.next else { return }
        if let old = peer.previous { retire(old) }
        peer.previous = peer.current
        peer.current = next
        peer.next = nil
        peer.timers.handshakeComplete(now: now)
        peer.lastHandshake = wallClock()
        output.record(.sessionEstablished(peer: peer.displayName, asInitiator: false))
        if !peer.staged.isEmpty { sendStaged(of: peer, now: now) }
    }

    // MARK: MACs, cookies and load

    /// MAC1 always; under load also MAC2 (answering with a cookie reply when it is
    /// missing), then the per-source rate limit and the device's handshake budget.
    private func passesMACs(_ message: UnsafeRawBufferPointer, from source: Endpoint, now: UInt64) -> Bool {
        let underLoad = isUnderLoad(now: now)
        guard handshakeIntake.take(now: now) else {
            drops.count(.handshakeOverload)
            return false
        }
        let sourceBytes = WireGuardDevice.cookieSource(source)
        switch cookieChecker.validate(message, source: sourceBytes, underLoad: underLoad, now: now) {
        case .valid:
            guard underLoad else { return true }
            guard handshakeLimiter.allow(source.address, now: now) else {
                drops.count(.handshakeRateLimited)
                return false
            }
            guard handshakeBudget.take(now: now) else {
                drops.count(.handshakeBudgetSpent)
                return false
            }
            return true
        case .invalidMAC1:
            drops.count(.invalidMAC)
            return false
        case .validMAC1ButNeedsCookie:
            guard cookieReplyBudget.take(now: now) else {
                drops.count(.handshakeBudgetSpent)
                return false
            }
            if let reply = cookieChecker.makeReply(to: message, source: sourceBytes, now: now) {
                reply.encoded().withUnsafeBytes { output.send(datagram: $0, to: source) }
                cookieRepliesSent &+= 1
                output.record(.cookieReplySent(to: source))
            }
            return false
        }
    }

    /// Counts handshake messages per second; above the threshold the device is under
    /// load, and stays so for a second after the last time it was over.
    private func isUnderLoad(now: UInt64) -> Bool {
        if now &- handshakeWindowStart >= ProtocolConstants.nanosecondsPerSecond {
            handshakeWindowStart = now
            handshakesInWindow = 0
        }
        handshakesInWindow += 1
        if handshakesInWindow > configuration.underLoadThreshold {
            underLoadUntil = now &+ ProtocolConstants.nanosecondsPerSecond
        }
        return forceUnderLoad || now < underLoadUntil
    }

    /// Sources the rate limiter has not heard from for a while are forgotten, once a second.
    func collectRateLimiterGarbage(now: UInt64) {
        guard now &- lastLimiterCollection >= ProtocolConstants.nanosecondsPerSecond else { return }
        lastLimiterCollection = now
        handshakeLimiter.collectGarbage(now: now)
    }

    /// The bytes a cookie is bound to: the source address, then the port (big-endian).
    static func cookieSource(_ endpoint: Endpoint) -> [UInt8] {
        endpoint.address.bytes + [UInt8(endpoint.port >> 8), UInt8(endpoint.port & 0xff)]
    }

    private func rejectHandshake(of peer: Peer, _ error: Error) {
        peer.handshakesFailed &+= 1
        count(.handshakeFailed, peer)
        output.record(.handshakeRejected(peer: peer.displayName, reason: "\(error)"))
    }
}
