// Reading a `get=tunnel` snapshot into status values: counters are sorted by the names
// StatusCounterName gives them; unknown ones are kept as they came.
import Control
import WireGuard

extension InterfaceStatus {
    /// `interface` names the socket the snapshot came from (used when the tunnel did not
    /// report its name).
    public init(interface: String, snapshot s: UAPIDeviceSnapshot) {
        self.init(name: s.tunnel.name ?? interface, role: s.tunnel.role,
                  publicKey: s.tunnel.publicKey.map { $0.base64 }
                    ?? s.privateKey.map { StaticIdentity(privateKey: $0.wireGuardKey).publicKey.base64 },
                  listenPort: s.listenPort == 0 ? nil : s.listenPort, fwmark: s.fwmark == 0 ? nil : s.fwmark,
                  addresses: s.tunnel.addresses, peers: [])
        var meanings = PeerCounterMeanings()
        peers.reserveCapacity(s.peers.count)
        for p in s.peers { peers.append(PeerStatus(snapshot: p, meanings: &meanings)) }
        var nat = NATStatus()
        var sawNAT = false
        for c in s.tunnel.counters {
            if take(c, nat: &nat) { sawNAT = true }
        }
        if sawNAT { self.nat = nat }
    }

    /// Files one device counter; true when it belongs to the NAT.
    private mutating func take(_ c: UAPICounter, nat: inout NATStatus) -> Bool {
        typealias N = StatusCounterName
        if let suffix = c.name.suffix(after: N.natDropPrefix) {
            nat.drops.append(DropCount(reason: suffix, label: N.natDropLabel(suffix), count: c.value))
        } else if let proto = c.name.suffix(after: N.natMappingsPrefix) {
            nat.mappings.append(NATStatus.Mappings(proto: proto, count: c.value))
        } else if let proto = c.name.suffix(after: N.natPortsUsedPrefix) {
            nat.setPorts(proto, inUse: c.value)
        } else if let proto = c.name.suffix(after: N.natPortsSizePrefix) {
            nat.setPorts(proto, size: c.value)
        } else if c.name == N.natPortsInUse {
            nat.portsInUse = c.value
        } else if c.name == N.natPortRangeSize {
            nat.portRangeSize = c.value
        } else {
            takeDeviceCounter(c)
            return false
        }
        return true
    }

    private mutating func takeDeviceCounter(_ c: UAPICounter) {
        typealias N = StatusCounterName
        if let suffix = c.name.suffix(after: N.dropPrefix) {
            drops.append(DropCount(reason: suffix, label: N.dropLabel(suffix), count: c.value))
        } else if c.name == N.peers {
            peerCount = c.value
        } else if c.name == N.sessions {
            sessions = c.value
        } else {
            otherCounters.append(c)
        }
    }
}

extension String {
    /// The rest of the string after `prefix`, or nil when it does not start with it.
    func suffix(after prefix: String) -> String? {
        // By byte: the names are ASCII, and Character steps cost.
        utf8.starts(with: prefix.utf8) ? String(Substring(utf8.dropFirst(prefix.utf8.count))) : nil
    }
}
