// Routes into the tunnel for networks that sit behind a client (site-to-site: a peer's
// AllowedIPs outside the server's own tunnel subnets), kept in step with the peers.
// They go away with the interface, so no state file is needed: a killed run's routes
// vanished with its TUN.
import Addresses
import Logging
import Netlink
import WireGuard

public final class ServerPeerRoutes {
    private let netlink: NetlinkSocket
    private let interfaceIndex: Int32
    private let tunnelPrefixes: [IPPrefix]
    private let logger: Logger

    public init(netlink: NetlinkSocket, interfaceIndex: Int32, tunnelPrefixes: [IPPrefix], logger: Logger) {
        self.netlink = netlink
        self.interfaceIndex = interfaceIndex
        self.tunnelPrefixes = tunnelPrefixes.map(\.network)
        self.logger = logger
    }

    /// The prefixes that need a route: peers' AllowedIPs that the tunnel subnets do not
    /// already cover (a default route from a peer is left out: it would take the server's
    /// own traffic).
    /// Linear in the peers' prefixes (each peer lists only its own).
    func wanted(for device: WireGuardDevice) -> Set<IPPrefix> {
        var result = Set<IPPrefix>()
        for peer in device.peers {
            for prefix in device.allowedIPs(of: peer) where needsRoute(prefix) {
                result.insert(prefix.network)
            }
        }
        return result
    }

    /// Whether a peer's prefix needs a route of its own; a change that involves no such
    /// prefix (the usual client with addresses inside the tunnel subnet) needs no `sync`.
    public func needsRoute(_ prefix: IPPrefix) -> Bool {
        prefix.length > 0 && !isInsideTunnel(prefix)
    }

    private func isInsideTunnel(_ prefix: IPPrefix) -> Bool {
        tunnelPrefixes.contains { $0.length <= prefix.length && $0.contains(prefix.address) }
    }

    /// Adds missing routes and removes ones no peer needs any more.
    public func sync(with device: WireGuardDevice) {
        let want = wanted(for: device)
        let have: [Route]
        do {
            have = try netlink.routes(table: RouteTable.main, protocolID: TunnelRouteProtocol.server)
                .filter { $0.outputLinkIndex == interfaceIndex }
        } catch {
            logger.error("cannot list routes for peers' networks: \(error)")
            return
        }
        for route in have where !want.contains(route.destination) {
            do { try netlink.removeRoute(route) } catch { logger.error("cannot remove route \(route.destination): \(error)") }
        }
        let present = Set(have.map(\.destination))
        for prefix in want.subtracting(present).sorted(by: { $0.description < $1.description }) {
            let route = Route(destination: prefix, outputLinkIndex: interfaceIndex, protocolID: TunnelRouteProtocol.server)
            do {
                try netlink.addRoute(route)
                logger.info("route \(prefix) into the tunnel (a peer's network)")
            } catch {
                logger.error("cannot add route \(prefix) into the tunnel: \(error)")
            }
        }
    }
}
