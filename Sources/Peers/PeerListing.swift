// One row of `tunnel peer list`, and the table they print as.
import Addresses
import Foundation
import Config
import WireGuard

public struct PeerListing: Equatable, Sendable {
    /// Nil for a [Peer] written by hand without a `# Name` line.
    public var name: String?
    public var publicKey: Key
    public var allowedIPs: [IPPrefix]

    public init(_ peer: PeerSection) {
        name = peer.name
        publicKey = peer.publicKey
        allowedIPs = peer.allowedIPs
    }

    static let unnamed = "(unnamed)"
    static let headers = ["NAME", "PUBLIC KEY", "ADDRESSES"]
    static let columnGap = "  "

    var cells: [String] {
        [name ?? PeerListing.unnamed, publicKey.base64, allowedIPs.map(\.description).joined(separator: ", ")]
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
