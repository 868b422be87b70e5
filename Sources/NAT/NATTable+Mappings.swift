// Creating, finding and freeing mappings, and TCP state tracking.
import Addresses
import Packet

extension NATTable {
    /// The live mapping for `key`, creating it (and taking an external port) if needed.
    func findOrCreate(_ key: NATFlowKey, now: UInt64) throws(NATDropReason) -> Int {
        if let found = index[key] {
            let slot = Int(found)
            if slots[slot].expiry > now { return slot }
            free(slot)
        }
        let pool = Self.poolIndex(isIPv4: key.address.isIPv4, transport: key.transport)
        // A full pool first: when a client's share is the whole (small) pool, "full" is the truth.
        guard pools[pool].inUse < pools[pool].capacity else { throw .tableFull }
        var usage = clientUsage[key.client] ?? NATClientUsage()
        guard usage.mappings < configuration.maxMappingsPerClient,
              Int(usage.ports[pool]) < portShares[pool] else { throw .perClientLimit }
        let slot = takeSlot()
        guard let external = pools[pool].allocate(preferred: key.port, owner: Int32(slot)) else {
            freeSlots.append(Int32(slot))
            throw .tableFull
        }
        occupy(slot, key: key, externalPort: external, now: now)
        usage.mappings += 1
        usage.ports[pool] += 1
        clientUsage[key.client] = usage
        return slot
    }

    /// Fills a taken slot with a new mapping, indexes it and schedules its first expiry check.
    private func occupy(_ slot: Int, key: NATFlowKey, externalPort: UInt16, now: UInt64) {
        let expiry = now + configuration.timeouts.timeout(for: key.transport, state: .synSent)
        let previous = slots[slot]
        slots[slot] = NATMapping(key: key, externalPort: externalPort, expiry: expiry, tcpState: .synSent,
                                 sawSynAck: false, generation: previous.generation, isLive: true,
                                 scheduledExpiry: 0, wheelStamp: previous.wheelStamp)
        index[key] = Int32(slot)
        counters.adjustMappings(of: key.transport, by: 1)
        schedule(slot, at: expiry, now: now)
    }

    /// The live mapping that owns external `port` of a pool; an expired one is freed here.
    func liveOwner(isIPv4: Bool, transport: NATProtocol, port: UInt16, now: UInt64) throws(NATDropReason) -> Int {
        guard let owner = pools[Self.poolIndex(isIPv4: isIPv4, transport: transport)].owner(of: port) else {
            throw .noMapping
        }
        let slot = Int(owner)
        guard slots[slot].expiry > now else {
            free(slot)
            throw .noMapping
        }
        return slot
    }

    /// Releases the mapping's port, forgets its key, and puts its slot on the free list.
    func free(_ slot: Int) {
        let mapping = slots[slot]
        guard mapping.isLive else { return }
        pools[Self.poolIndex(isIPv4: mapping.isIPv4, transport: mapping.transport)].release(mapping.externalPort)
        index[mapping.key] = nil
        remotes.clear(slot: slot)
        if var usage = clientUsage[mapping.client] {
            usage.mappings -= 1
            usage.ports[Self.poolIndex(isIPv4: mapping.isIPv4, transport: mapping.transport)] -= 1
            clientUsage[mapping.client] = usage.isEmpty ? nil : usage
        }
        counters.adjustMappings(of: mapping.transport, by: -1)
        slots[slot].isLive = false
        slots[slot].generation &+= 1
        freeSlots.append(Int32(slot))
    }

    private func takeSlot() -> Int {
        if let reused = freeSlots.popLast() { return Int(reused) }
        slots.append(.vacant)
        remotes.grow(toSlots: slots.count)
        return slots.count - 1
    }

    /// Follows a TCP segment's flags: SYN+ACK then ACK establishes, FIN or RST closes,
    /// and a fresh SYN from the client after a close starts over (a new connection
    /// from the same port). One mapping may carry several connections (endpoint-
    /// independent mapping), so this is an approximation that only picks timeouts.
    func trackTCP(_ slot: Int, flags: TCPFlags, outbound: Bool) {
        if flags.contains(.rst) || flags.contains(.fin) {
            slots[slot].tcpState = .closing
        } else if flags.contains(.syn) {
            if flags.contains(.ack) {
                slots[slot].sawSynAck = true
            } else if outbound && slots[slot].tcpState == .closing {
                slots[slot].tcpState = .synSent
                slots[slot].sawSynAck = false
            }
        } else if flags.contains(.ack) && slots[slot].tcpState == .synSent && slots[slot].sawSynAck {
            slots[slot].tcpState = .established
        }
    }

    /// TCP bookkeeping common to both directions: state, then MSS clamping on SYNs.
    func handleTCP(_ packet: IPPacket, slot: Int, outbound: Bool) {
        guard let tcp = packet.tcp else { return }
        trackTCP(slot, flags: tcp.flags, outbound: outbound)
        if let mss = configuration.tcpMSSClamp { tcp.clampMSS(to: mss) }
    }
}
