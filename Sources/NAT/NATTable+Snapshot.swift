// The mappings as a list, for the status display (allocates; not for the data path).
import Addresses

extension NATTable {
    /// Every live mapping, oldest slot first; `now` gives each one's time to expiry.
    public func mappings(now: UInt64) -> [NATMappingSnapshot] {
        var result: [NATMappingSnapshot] = []
        for slot in slots.indices where slots[slot].isLive {
            let mapping = slots[slot]
            result.append(NATMappingSnapshot(
                client: mapping.client, transport: mapping.transport,
                internalAddress: mapping.key.address, internalPort: mapping.key.port,
                externalAddress: mapping.isIPv4 ? egressV4 : (egressV6 ?? egressV4),
                externalPort: mapping.externalPort, remoteCount: remotes.count(slot: slot),
                tcpState: mapping.transport == .tcp ? mapping.tcpState : nil,
                expiresIn: mapping.expiry > now ? mapping.expiry - now : 0))
        }
        return result
    }
}
