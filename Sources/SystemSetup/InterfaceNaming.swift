// Choosing the tunnel interface's name: the one asked for (which must be free), or the
// first free "tunnelN". Links are per network namespace, so freedom is judged by this
// namespace's links; the control socket directory (/var/run/wireguard) is shared by all
// namespaces, so a name whose socket answers there is taken as well.
import Control
import Netlink

public enum InterfaceNaming {
    public static let defaultPrefix = "tunnel"
    static let maxNumber = 99

    public static func choose(requested: String?, netlink: NetlinkSocket,
                              socketDirectory: String = UAPISocketPath.defaultDirectory) throws -> String {
        if let requested {
            guard !exists(requested, netlink) else { throw InterfaceNamingError.taken(requested) }
            if UAPISocketDirectory.isLive(interface: requested, directory: socketDirectory) {
                throw UAPIServerError.alreadyRunning(interface: requested,
                                                     path: UAPISocketPath.path(interface: requested, directory: socketDirectory))
            }
            return requested
        }
        for n in 0...maxNumber {
            let name = "\(defaultPrefix)\(n)"
            if !exists(name, netlink) && !UAPISocketDirectory.isLive(interface: name, directory: socketDirectory) {
                return name
            }
        }
        throw InterfaceNamingError.noneFree(prefix: defaultPrefix)
    }

    private static func exists(_ name: String, _ netlink: NetlinkSocket) -> Bool {
        (try? netlink.link(.name(name))) != nil
    }
}
