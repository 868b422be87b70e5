// The tunnel's UDP socket: dual-stack, non-blocking, optionally marked (SO_MARK) so policy
// routing can keep the tunnel's own packets out of the tunnel. Receives in batches with
// recvmmsg into buffers the caller owns, so the data path never allocates.
import Addresses
import CShims
#if canImport(Glibc)
import Glibc
#endif

public enum SocketError: Error, CustomStringConvertible {
    case createFailed(errno: Int32)
    case bindFailed(port: UInt16, errno: Int32)
    case optionFailed(String, errno: Int32)

    public var description: String {
        switch self {
        case .createFailed(let e): return "cannot create UDP socket: \(String(cString: strerror(e)))"
        case .bindFailed(let p, let e):
            return "cannot listen on UDP port \(p): \(String(cString: strerror(e)))"
                + (e == EADDRINUSE ? " (another program uses it; pick another ListenPort)" : "")
        case .optionFailed(let o, let e): return "cannot set \(o) on the UDP socket: \(String(cString: strerror(e)))"
        }
    }
}

public final class UDPSocket {
    public private(set) var fd: Int32
    /// Whether batches go out with UDP GSO (one message per run of equal datagrams to one
    /// address). Cleared for good when the kernel refuses it for a route.
    public private(set) var sendsWithSegmentation = false
    /// Whether the kernel may hand over several datagrams coalesced into one (UDP GRO).
    public private(set) var receivesCoalesced = false

    /// Binds [::]:port (0 picks a free port), accepting IPv4 too.
    public convenience init(port: UInt16, fwmark: UInt32? = nil) throws {
        try self.init(address: Endpoint(address: .v6(IPv6Address(high: 0, low: 0)), port: port), fwmark: fwmark)
    }

    /// Binds one address (IPv4 as ::ffff:a.b.c.d) or, for 0.0.0.0 and ::, all of them.
    public init(address: Endpoint, fwmark: UInt32? = nil) throws {
        let port = address.port
        fd = socket(AF_INET6, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError.createFailed(errno: errno) }
        do {
            try setOption(Int32(IPPROTO_IPV6), IPV6_V6ONLY, 0, "IPV6_V6ONLY")
            if let fwmark { try setOption(SOL_SOCKET, SO_MARK, Int32(bitPattern: fwmark), "SO_MARK") }
            // Large buffers absorb bursts between reactor wakeups.
            try? setOption(SOL_SOCKET, SO_RCVBUFFORCE, Int32(4 << 20), "SO_RCVBUFFORCE")
            try? setOption(SOL_SOCKET, SO_SNDBUFFORCE, Int32(4 << 20), "SO_SNDBUFFORCE")
            var addr = UDPSocket.isUnspecified(address.address)
                ? SocketAddress(Endpoint(address: .v6(IPv6Address(high: 0, low: 0)), port: port)).storage
                : SocketAddress(address).storage
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
            guard rc == 0 else { throw SocketError.bindFailed(port: port, errno: errno) }
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    static func isUnspecified(_ address: IPAddress) -> Bool {
        switch address {
        case .v4(let a): return a.value == 0
        case .v6(let a): return a.high == 0 && a.low == 0
        }
    }

    public var localPort: UInt16 {
        var addr = sockaddr_in6()
        var len = socklen_t(MemoryLayout<sockaddr_in6>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return UInt16(bigEndian: addr.sin6_port)
    }

    /// Turns on UDP GSO for batches and UDP GRO for receiving, as far as the kernel
    /// allows (`sendsWithSegmentation`, `receivesCoalesced` say what is on).
    public func enableSegmentationOffloads() {
        sendsWithSegmentation = true
        receivesCoalesced = tunnel_udp_enable_gro(fd) == 0
    }

    /// Receives up to `batch.capacity` datagrams; returns how many (0 when none is waiting).
    public func receive(into batch: ReceiveBatch) -> Int {
        let n = tunnel_recv_batch(fd, batch.storage, batch.bufferSize, UInt32(batch.capacity),
                                  batch.addresses, batch.lengths, batch.truncated, batch.segmentSizes)
        return n > 0 ? Int(n) : 0
    }

    /// Sends one datagram. A full socket buffer drops it, as a NIC queue would; returns false then.
    @inline(__always)
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress) -> Bool {
        var sa = address.storage
        let n = withUnsafePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT), $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
            }
        }
        return n == bytes.count
    }

    /// Sends the queued datagrams with one sendmmsg; returns how many were dropped.
    @discardableResult
    public func send(_ batch: SendBatch) -> Int {
        var gso: Int32 = sendsWithSegmentation ? 1 : 0
        let dropped = batch.flush(through: fd, segmentation: &gso)
        sendsWithSegmentation = gso != 0
        return dropped
    }

    public func close() {
        if fd >= 0 {
            _ = Glibc.close(fd)
            fd = -1
        }
    }

    private func setOption(_ level: Int32, _ name: Int32, _ value: Int32, _ label: String) throws {
        var v = value
        guard setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw SocketError.optionFailed(label, errno: errno)
        }
    }
}
