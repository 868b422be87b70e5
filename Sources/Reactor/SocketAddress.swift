// A peer's UDP address in the form the kernel takes it. The UDP socket is dual-stack,
// so IPv4 peers appear as v4-mapped IPv6 addresses (::ffff:a.b.c.d); keeping the raw
// sockaddr lets the data path compare and send without converting per packet.
import Addresses
#if canImport(Glibc)
import Glibc
#endif

public struct SocketAddress: Equatable, Sendable, CustomStringConvertible {
    public var storage: sockaddr_in6

    public init(storage: sockaddr_in6) { self.storage = storage }

    /// Builds the sockaddr without any heap allocation (it runs for every sent datagram).
    @inline(__always)
    public init(_ endpoint: Endpoint) {
        var sa = sockaddr_in6()
        sa.sin6_family = sa_family_t(AF_INET6)
        sa.sin6_port = endpoint.port.bigEndian
        withUnsafeMutableBytes(of: &sa.sin6_addr) { raw in
            switch endpoint.address {
            case .v4(let a):
                raw[10] = 0xff
                raw[11] = 0xff
                raw.storeBytes(of: a.value.bigEndian, toByteOffset: 12, as: UInt32.self)
            case .v6(let a):
                raw.storeBytes(of: a.high.bigEndian, toByteOffset: 0, as: UInt64.self)
                raw.storeBytes(of: a.low.bigEndian, toByteOffset: 8, as: UInt64.self)
            }
        }
        storage = sa
    }

    /// A plain AF_INET address (in the same storage), for an IPv4-only socket such as a
    /// raw one, which refuses v4-mapped IPv6.
    @inline(__always)
    public init(ipv4Only address: IPv4Address) {
        var sa = sockaddr_in6()
        withUnsafeMutableBytes(of: &sa) { raw in
            raw.withMemoryRebound(to: sockaddr_in.self) { sin in
                sin[0].sin_family = sa_family_t(AF_INET)
                sin[0].sin_addr.s_addr = address.value.bigEndian
            }
        }
        storage = sa
    }

    public var endpoint: Endpoint {
        var s = storage
        let addr = withUnsafeBytes(of: &s.sin6_addr) { raw -> IPAddress in
            let isMapped = (0..<10).allSatisfy { raw[$0] == 0 } && raw[10] == 0xff && raw[11] == 0xff
            if isMapped {
                return .v4(IPv4Address(networkBytes: UnsafeRawBufferPointer(rebasing: raw[12..<16])))
            }
            return .v6(IPv6Address(networkBytes: raw))
        }
        return Endpoint(address: addr, port: UInt16(bigEndian: storage.sin6_port))
    }

    public static func == (l: SocketAddress, r: SocketAddress) -> Bool {
        var a = l.storage, b = r.storage
        return a.sin6_port == b.sin6_port
            && withUnsafeBytes(of: &a.sin6_addr) { x in withUnsafeBytes(of: &b.sin6_addr) { y in x.elementsEqual(y) } }
    }

    public var description: String { endpoint.description }
}
