// One row of `tunnel peer list`, and the table they print as. Built from the config file
// (names, addresses, limits) and the usage file (totals), not from the running server, so
// it works while the server is down and shows what the server enforces: the state is
// derived from the same limits and settled usage the server checks every second.
import Addresses
import Foundation
import Config
import WireGuard

public struct PeerListing: Equatable, Sendable {
    /// Nil for a [Peer] written by hand without a `# Name` line.
    public var name: String?
    public var publicKey: Key
    public var allowedIPs: [IPPrefix]
    public var settings: PeerSettings
    /// Settled at the listing's time (PeerUsage.settle); zero counts for a peer never seen.
    public var usage: PeerUsage
    public var state: PeerState

    /// `usage` nil: no traffic recorded yet.
    public init(_ peer: PeerSection, usage: PeerUsage? = nil, now: Int64 = 0) {
        name = peer.name
        publicKey = peer.publicKey
        allowedIPs = peer.allowedIPs
        settings = PeerSettings(peer)
        let recorded = usage ?? PeerUsage(periodStart: settings.usageReset ?? now)
        self.usage = recorded.settled(settings, now: now)
        state = PeerState.derive(limits: settings.limits, usage: self.usage, now: now)
    }

    /// A pending invite: no addresses or traffic yet, `invited` until it expires; the key
    /// shown is the one derived from the code (the client's own is not known before it
    /// enrols).
    public init(invite: Invite) {
        name = invite.name
        publicKey = (try? Key(base64: invite.key)) ?? Key(bytes: [UInt8](repeating: 0, count: Key.byteCount))
        allowedIPs = []
        settings = PeerSettings(limits: PeerLimits(expires: invite.expires))
        usage = PeerUsage(periodStart: invite.created.secondsSinceEpoch)
        state = .invited
    }

    static let unnamed = "(unnamed)"
    static let headers = ["NAME", "STATE", "ADDRESSES", "RATE", "QUOTA", "EXPIRES", "RX", "TX", "PUBLIC KEY"]
    static let columnGap = "  "
    static let none = "-"

    var cells: [String] {
        let limits = settings.limits
        let quota = limits.quota.map { "\(ByteSize(bytes: usage.quotaBytes).rounded) of \($0)" } ?? PeerListing.none
        return [name ?? PeerListing.unnamed, state.rawValue, allowedIPs.map(\.description).joined(separator: ", "),
                limits.rate?.description ?? PeerListing.none, quota,
                limits.expires?.description ?? PeerListing.none,
                ByteSize(bytes: usage.rxBytes).rounded, ByteSize(bytes: usage.txBytes).rounded, publicKey.base64]
    }

    /// A header line and one line per peer, columns padded to line up.
    public static func table(_ rows: [PeerListing]) -> String {
        let lines = [headers] + rows.map(\.cells)
        var widths = headers.map(\.count)
        for line in lines {
            for (i, cell) in line.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        return lines.map { line in
            line.enumerated().map { i, cell in
                i == line.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: columnGap)
        }.joined(separator: "\n") + "\n"
    }
}
