// `tunnel status` for a person, laid out like `wg show`: an interface block, then one
// block per peer. Lines with nothing to say (no handshake yet, keepalive off, no drops,
// counters at zero) are left out. Pure: the report carries the time "ago" counts from.
import Peers
import Control
import DataPath

public struct StatusTextRenderer: Sendable {
    public var style: StatusStyle

    public init(style: StatusStyle = .plain) { self.style = style }

    /// The whole report; interfaces separated by a blank line, ending with a newline.
    public func render(_ report: StatusReport) -> String {
        report.interfaces.map { render($0, now: report.time) }.joined(separator: "\n")
    }

    /// Peers are written straight into the one String (10,000 of them made 40,000 lines,
    /// each a String of its own in an array, joined at the end).
    func render(_ i: InterfaceStatus, now: Int64) -> String {
        var out = style.interfaceHeading(i.role.map { "\(i.name) (\($0))" } ?? i.name)
        out += "\n"
        for line in interfaceFields(i) {
            out += line
            out += "\n"
        }
        out.reserveCapacity(out.utf8.count + i.peers.count * StatusTextRenderer.bytesPerPeerEstimate)
        for peer in i.peers {
            out += "\n"
            style.peerHeading(peer.publicKey, into: &out)
            out += "\n"
            peerFields(peer, now: now, into: &out)
        }
        return out
    }

    /// An idle server peer takes about 100 bytes (heading, state, allowed ips).
    static let bytesPerPeerEstimate = 128

    private func interfaceFields(_ i: InterfaceStatus) -> [String] {
        var out: [String] = []
        if let key = i.publicKey { out.append(style.field("public key", key)) }
        if let port = i.listenPort { out.append(style.field("listening port", "\(port)")) }
        if let mark = i.fwmark { out.append(style.field("fwmark", "0x" + String(mark, radix: 16))) }
        if !i.addresses.isEmpty { out.append(style.field("addresses", i.addresses.map(\.description).joined(separator: ", "))) }
        if let peers = i.peerCount, let sessions = i.sessions {
            out.append(style.field("peers", "\(peers), \(sessions) with a session"))
        }
        if let nat = i.nat { out += natFields(nat) }
        if let drops = dropList(i.drops) { out.append(style.field("drops", drops, alarming: true)) }
        if let work = offloadWork(i.otherCounters) { out.append(style.field("offloads", work)) }
        if let lost = dataPathDrops(i.otherCounters) { out.append(style.field("data path drops", lost, alarming: true)) }
        let dataPath = Set(DataPathCounts.Name.work + DataPathCounts.Name.failures)
        // Zero counts stay in the JSON (every key, every time) but say nothing to a reader.
        for c in i.otherCounters where !dataPath.contains(c.name) && c.value > 0 {
            out.append(style.field(c.name, "\(c.value)"))
        }
        return out
    }

    /// "12 reads split into 540 packets, 530 packets coalesced into 11 writes, 600
    /// datagrams by GRO"; nil when offloads did nothing (or are off).
    private func offloadWork(_ counters: [UAPICounter]) -> String? {
        let n = Dictionary(counters.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        typealias Name = DataPathCounts.Name
        var parts: [String] = []
        if let reads = n[Name.superPacketsRead], reads > 0 {
            parts.append("\(reads) reads split into \(n[Name.segmentsMade] ?? 0) packets")
        }
        if let writes = n[Name.superPacketsWritten], writes > 0 {
            parts.append("\(n[Name.packetsCoalesced] ?? 0) packets coalesced into \(writes) writes")
        }
        if let refused = n[Name.superPacketsRefused], refused > 0 {
            parts.append("\(refused) super-packets refused by the kernel (coalescing off)")
        }
        if let datagrams = n[Name.datagramsCoalesced], datagrams > 0 { parts.append("\(datagrams) datagrams by GRO") }
        if let shared = n[Name.cryptoBatchesShared], shared > 0 { parts.append("\(shared) crypto batches on several threads") }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    /// Packets the TUN or the UDP socket would not take, or reads that made no sense.
    private func dataPathDrops(_ counters: [UAPICounter]) -> String? {
        let failures = counters.filter { DataPathCounts.Name.failures.contains($0.name) && $0.value > 0 }
        guard !failures.isEmpty else { return nil }
        return failures.map { "\($0.name.replacingOccurrences(of: "_", with: " ")) \($0.value)" }.joined(separator: ", ")
    }

    /// Each protocol's ports against its own pools ("3 of 4000 tcp, 1 of 4000 udp, ...
    /// in use"): one total against one pool's size would read as more than full. A tunnel
    /// without per-protocol counters gets its total alone.
    private func portsField(_ nat: NATStatus) -> String? {
        if !nat.ports.isEmpty {
            let each = nat.ports.map { p in
                "\(p.inUse.map(String.init) ?? "?")\(p.size.map { " of \($0)" } ?? "") \(p.proto)"
            }
            return each.joined(separator: ", ") + " in use"
        }
        return nat.portsInUse.map { "\($0) in use" }
    }

    private func natFields(_ nat: NATStatus) -> [String] {
        var out: [String] = []
        let mappings = nat.mappings.map { "\($0.count) \($0.proto)" }.joined(separator: ", ")
        out.append(style.field("nat mappings", mappings.isEmpty ? "none" : mappings))
        if let ports = portsField(nat) { out.append(style.field("nat ports", ports)) }
        if let drops = dropList(nat.drops) { out.append(style.field("nat drops", drops, alarming: true)) }
        return out
    }

    /// Each field and its line break, appended to `out`.
    private func peerFields(_ p: PeerStatus, now: Int64, into out: inout String) {
        func put(_ label: String, _ value: String, alarming: Bool = false) {
            style.field(label, value, alarming: alarming, into: &out)
            out += "\n"
        }
        if let name = p.name { put("name", name) }
        if let state = p.state { put("state", state, alarming: state != "active") }
        if let rate = p.rateBits, rate > 0 { put("rate cap", "\(Rate(bitsPerSecond: rate)) each way") }
        if let quota = p.quotaBytes {
            put("quota", "\(HumanUnits.bytes(p.usageBytes ?? 0)) of \(HumanUnits.bytes(quota)) used")
        }
        if let expires = p.expires {
            put("expires", expires > now ? "in " + HumanUnits.duration(UInt64(expires - now))
                                         : HumanUnits.ago(expires, now: now))
        }
        if p.hasPresharedKey { put("preshared key", "(hidden)") }
        if let endpoint = p.endpoint { put("endpoint", endpoint.description) }
        put("allowed ips", p.allowedIPs.isEmpty ? "(none)"
                : p.allowedIPs.count == 1 ? p.allowedIPs[0].description : p.allowedIPs.map(\.description).joined(separator: ", "))
        if let t = p.latestHandshake { put("latest handshake", HumanUnits.ago(t, now: now)) }
        if p.rxBytes != 0 || p.txBytes != 0 {
            put("transfer", "\(HumanUnits.bytes(p.rxBytes)) received, \(HumanUnits.bytes(p.txBytes)) sent")
        }
        if p.persistentKeepalive != 0 {
            put("persistent keepalive", "every " + HumanUnits.duration(UInt64(p.persistentKeepalive)))
        }
        if let h = p.handshakes, !h.isZero {
            put("handshakes", "\(h.sent) sent, \(h.received) received, \(h.failed) failed", alarming: h.failed > 0)
        }
        if let drops = dropList(p.drops) { put("drops", drops, alarming: true) }
    }

    /// "bad MAC 3, replay 1"; nil when every count is zero.
    private func dropList(_ drops: [DropCount]) -> String? {
        // Most peers have dropped nothing: no filtered copy then.
        guard drops.contains(where: { $0.count > 0 }) else { return nil }
        let nonZero = drops.filter { $0.count > 0 }
        return nonZero.isEmpty ? nil : nonZero.map { "\($0.label) \($0.count)" }.joined(separator: ", ")
    }
}
