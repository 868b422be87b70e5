// Picks the full-tunnel table (and mark) the way wg-quick does: the first
// number from 51820 up whose table holds no route in either family, so another
// tunnel (or a wg-quick interface) on the same host keeps its own.
import Netlink

public enum RoutingTableSearch {
    /// How far to look before giving up; wg-quick has no limit.
    static let attempts: UInt32 = 1024

    public static func firstUnusedTable(startingAt first: UInt32 = NetworkPlan.defaultRoutingTable,
                                        socket: NetlinkSocket) throws -> UInt32 {
        let used: Set<UInt32>
        do {
            used = Set(try socket.routes(table: nil).map(\.table))
        } catch {
            throw NetworkSetupError.failed("list routes to find a free table", error)
        }
        let end = first &+ attempts
        guard let free = (first..<max(first, end)).first(where: { !used.contains($0) }) else {
            throw NetworkSetupError.changeFailed(action: "find a free routing table from \(first)",
                                                  reason: "\(attempts) tables in a row are in use")
        }
        return free
    }
}
