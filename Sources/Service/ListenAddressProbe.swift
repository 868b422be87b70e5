// Whether a TCP address can still be bound, asked before a run changes anything: a taken
// --metrics address then fails at once, in one line, instead of after the interface,
// routes and rules are up. The server binds for real later; this only fails early.
import Addresses
import Foundation
import Reactor
#if canImport(Glibc)
import Glibc
#endif

public enum ListenAddressProbe {
    /// Throws `invalidOption("OPTION ADDR: cannot listen: REASON")` when `endpoint` cannot be bound.
    public static func requireFree(_ endpoint: Endpoint, option: String) throws {
        let ipv6: Bool
        if case .v6 = endpoint.address { ipv6 = true } else { ipv6 = false }
        // IPv4 goes in v4-mapped form: one socket family for both.
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure(endpoint, option, errno) }
        defer { close(fd) }
        // As the server binds: a port in TIME_WAIT is free, one with a listener is not.
        var on: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        if ipv6 { _ = setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &on, socklen_t(MemoryLayout<Int32>.size)) }
        var address = SocketAddress(endpoint).storage
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
        }
        guard rc == 0 else { throw failure(endpoint, option, errno) }
    }

    private static func failure(_ endpoint: Endpoint, _ option: String, _ code: Int32) -> ListenAddressTaken {
        ListenAddressTaken(option: option, endpoint: endpoint, reason: String(cString: strerror(code)))
    }
}
