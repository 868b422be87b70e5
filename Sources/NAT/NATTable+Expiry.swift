// Freeing mappings: by idle timeout, and all of a removed client's at once.
import Addresses

extension NATTable {
    /// Frees mappings idle past their timeout (and their ports), and expired fragment
    /// records. Cost: the wheel buckets passed since the last call plus the entries due
    /// in them (see NATExpiryWheel); meant to run about once a second.
    public func collectGarbage(now: UInt64) {
        var due: [NATExpiryWheel.Entry] = []
        swap(&due, &dueScratch)
        wheel.collectDue(upTo: now, into: &due)
        for entry in due {
            let slot = Int(entry.slot)
            let mapping = slots[slot]
            guard mapping.isLive, mapping.generation == entry.generation, mapping.wheelStamp == entry.stamp else {
                continue
            }
            if mapping.expiry <= now {
                free(slot)
            } else {
                schedule(slot, at: mapping.expiry, now: now)
            }
        }
        due.removeAll(keepingCapacity: true)
        swap(&due, &dueScratch)
        outboundFragments.collectGarbage(now: now)
        inboundFragments.collectGarbage(now: now)
    }

    /// Frees every mapping of `client` (a peer was removed). Cost: one pass over the slab;
    /// their fragment records and wheel entries go stale and are skipped later.
    public func removeClient(_ client: ClientID) {
        guard clientUsage[client] != nil else { return }
        for slot in slots.indices where slots[slot].isLive && slots[slot].client == client {
            free(slot)
        }
    }
}
