// Choosing the tunnel interface's name: the one asked for (which must be free), or the
// first free "tunnelN".
import Netlink

public enum InterfaceNaming {
    public static let defaultPrefix = "tunnel"
    static let maxNumber = 99

    public static func choose(requested: String?, netlink: NetlinkSocket) throws -> String {
        if let requested {
            guard !exists(requested, netlink) else { throw InterfaceNamingError.taken(requested) }
            return requested
        }
        for n in 0...maxNumber where !exists("\(defaultPrefix)\(n)", netlink) {
            return "\(defaultPrefix)\(n)"
        }
        throw InterfaceNamingError.noneFree(prefix: defaultPrefix)
    }

    private static func exists(_ name: String, _ netlink: NetlinkSocket) -> Bool {
        (try? netlink.link(.name(name))) != nil
    }
}
