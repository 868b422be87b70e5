// The remote addresses each mapping has sent to, for address-dependent filtering
// (RFC 4787 REQ-8): a reply is let in only from an address the mapping contacted.
//
// A fixed number of addresses per mapping slot in one flat array, so checking and
// adding never allocate. When a mapping has contacted more remotes than it keeps, the
// oldest is overwritten (ring order): replies from it are filtered afterwards, which
// only matters to a client that talks to many hosts from one port (e.g. P2P).
import Addresses

struct NATRemoteSets {
    let perMapping: Int
    private var addresses: [IPAddress] = []
    private var counts: [UInt8] = []
    private var cursors: [UInt8] = []

    init(perMapping: Int) {
        self.perMapping = perMapping
    }

    /// Makes room for slots up to `slotCount`; called as the mapping store grows.
    mutating func grow(toSlots slotCount: Int) {
        guard slotCount > counts.count else { return }
        let added = slotCount - counts.count
        addresses.append(contentsOf: repeatElement(IPAddress.v4(IPv4Address(0)), count: added * perMapping))
        counts.append(contentsOf: repeatElement(0, count: added))
        cursors.append(contentsOf: repeatElement(0, count: added))
    }

    func count(slot: Int) -> Int { Int(counts[slot]) }

    func contains(_ address: IPAddress, slot: Int) -> Bool {
        let base = slot * perMapping
        for i in 0..<Int(counts[slot]) where addresses[base + i] == address { return true }
        return false
    }

    mutating func insert(_ address: IPAddress, slot: Int) {
        guard !contains(address, slot: slot) else { return }
        let base = slot * perMapping
        if Int(counts[slot]) < perMapping {
            addresses[base + Int(counts[slot])] = address
            counts[slot] += 1
        } else {
            addresses[base + Int(cursors[slot])] = address
            cursors[slot] = Int(cursors[slot]) + 1 == perMapping ? 0 : cursors[slot] + 1
        }
    }

    mutating func clear(slot: Int) {
        counts[slot] = 0
        cursors[slot] = 0
    }
}
