// Raw IP sockets for a server's NAT: one sends whole translated packets out (the kernel
// routes them like its own), queued per receive batch and sent with one sendmmsg; one
// receives the ICMP replies and errors that belong to translated flows (the kernel keeps
// its own copy and handles it as usual).
import Addresses
import CShims
#if canImport(Glibc)
import Glibc
#endif

public final class RawSocket {
    /// Packets queued for one sendmmsg at most.
    public static let batchCapacity = 64

    public enum Kind {
        /// IPPROTO_RAW: send packets whose IP header we wrote.
        case send
        /// ICMP or ICMPv6, filtered to echo replies and errors.
        case receiveICMP
    }

    public let family: Int32
    public let kind: Kind
    public private(set) var fd: Int32
    /// Packets waiting for `flush`, sent together (the packets stay in the caller's memory).
    private let queued: SendBatch?

    public init(ipv6: Bool, kind: Kind) throws {
        family = ipv6 ? AF_INET6 : AF_INET
        self.kind = kind
        let result = kind == .send ? tunnel_raw_send_socket(family) : tunnel_raw_icmp_socket(family)
        guard result >= 0 else { throw SocketError.createFailed(errno: -result) }
        fd = result
        queued = kind == .send ? SendBatch(capacity: RawSocket.batchCapacity, slotSize: 0) : nil
    }

    /// Queues a whole IP packet for its destination; its bytes must stay unchanged until
    /// `flush`. Sent at once when the queue is full. Returns how many packets the kernel
    /// did not take in a send this caused.
    @inline(__always)
    @discardableResult
    public func queue(_ packet: UnsafeRawBufferPointer, to destination: IPAddress) -> Int {
        guard let queued else { preconditionFailure("only a raw socket of kind .send sends") }
        var dropped = 0
        if queued.isFull { dropped = flush() }
        switch destination {
        case .v4(let a): queued.append(packet, to: SocketAddress(ipv4Only: a))
        case .v6: queued.append(packet, to: SocketAddress(Endpoint(address: destination, port: 0)))
        }
        return dropped
    }

    /// Sends everything queued in one sendmmsg; returns how many packets the kernel did not take.
    @discardableResult
    public func flush() -> Int {
        var noSegmentation: Int32 = 0
        return queued?.flush(through: fd, segmentation: &noSegmentation) ?? 0
    }

    deinit { close() }

    /// Receives one ICMP packet with its IP header into `buffer`; nil when none is waiting.
    public func receive(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        if family == AF_INET6 {
            let n = tunnel_recv_icmp6_with_header(fd, buffer.baseAddress, buffer.count)
            return n > 0 ? Int(n) : nil
        }
        let n = recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
        return n > 0 ? n : nil
    }

    public func close() {
        if fd >= 0 {
            _ = Glibc.close(fd)
            fd = -1
        }
    }
}
