// wg-quick's `Table =` setting, read into what the client does with AllowedIPs routes.
import Foundation
import Netlink

public enum RoutingTableChoice: Equatable, Sendable {
    /// No `Table`, or `auto`: split routes go to `main`; a /0 switches that
    /// family to full-tunnel mode (own table, policy rules, marked socket).
    case automatic
    /// `off`: no routes and no rules at all.
    case off
    /// A number (or `main`/`default`): every AllowedIPs route goes into that
    /// table, /0 included, and no rules are added.
    case table(UInt32)

    /// Names iproute2 knows without reading rt_tables.
    static let wellKnownNames: [String: UInt32] = ["main": RouteTable.main, "default": RouteTable.default]

    /// Reads the value as written in the config; nil means not set.
    public init(parsing text: String?) throws {
        guard let raw = text?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else {
            self = .automatic
            return
        }
        let lowered = raw.lowercased()
        if lowered == "auto" {
            self = .automatic
        } else if lowered == "off" {
            self = .off
        } else if let id = RoutingTableChoice.wellKnownNames[lowered] {
            self = .table(id)
        } else if let id = UInt32(raw), id != 0, id != RouteTable.local {
            self = .table(id)
        } else {
            throw NetworkSetupError.invalidTable(raw)
        }
    }
}
