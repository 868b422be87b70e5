// The client's half of an enrolment, before it has a tunnel: a WireGuard session of its
// own with one peer (the server) over a UDP socket of its own, on the caller's thread.
// It sends one packet (a handshake first, as always), sends it again every
// `resendInterval` until something comes back, and returns the first packet the peer
// sends that `accept` takes. It knows nothing of what the packets say.
import Addresses
import Dispatch
import Reactor
import WireGuard
#if canImport(Glibc)
import Glibc
#endif

public enum EnrolmentExchange {
    /// A handshake is retried after 5 s (REKEY_TIMEOUT); the request itself more often,
    /// in case only it was lost.
    static let resendNanoseconds: UInt64 = 2_000_000_000
    /// How long one wait for the socket lasts, so the device's timers run.
    static let pollMilliseconds: Int32 = 100
    static let receiveBufferSize = 65536

    /// Collects what the session delivers; on the calling thread only.
    private final class Output: DeviceOutput {
        let socket: UDPSocket
        var delivered: [[UInt8]] = []
        init(socket: UDPSocket) { self.socket = socket }
        func send(datagram: UnsafeRawBufferPointer, to endpoint: Endpoint) {
            _ = socket.send(datagram, to: SocketAddress(endpoint))
        }
        func deliver(packet: UnsafeRawBufferPointer, from peer: Peer) { delivered.append(Array(packet)) }
        func record(_ event: DeviceEvent) {}
    }

    /// Returns the first packet from the peer that `accept` takes, or nil once `seconds`
    /// passed without one (the peer never answered: it does not know our key, or is
    /// not there). Throws only when the socket cannot be made.
    public static func run(privateKey: Key, peerPublicKey: Key, endpoint: Endpoint, packet: [UInt8],
                           fwmark: UInt32? = nil, seconds: Double,
                           accept: ([UInt8]) -> Bool) throws -> [UInt8]? {
        let socket = try UDPSocket(port: 0, fwmark: fwmark)
        defer { socket.close() }
        let output = Output(socket: socket)
        let device = WireGuardDevice(privateKey: privateKey, output: output, wallClock: TunnelInterface.wallClock)
        let any: [IPPrefix] = [IPPrefix(address: .v4(IPv4Address(0)), length: 0),
                               IPPrefix(address: .v6(IPv6Address(high: 0, low: 0)), length: 0)]
        guard let peer = device.setPeer(PeerConfiguration(publicKey: peerPublicKey, endpoint: endpoint, allowedIPs: any),
                                        now: now()) else { return nil }
        let deadline = now() + UInt64(seconds * 1e9)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: receiveBufferSize, alignment: 16)
        defer { buffer.deallocate() }
        var nextSend: UInt64 = 0
        while now() < deadline {
            if now() >= nextSend {
                send(packet, through: device, to: peer, buffer: buffer)
                nextSend = now() + resendNanoseconds
            }
            receive(on: socket, into: buffer, device: device)
            device.tick(now: now())
            if let answer = output.delivered.first(where: accept) { return answer }
            output.delivered.removeAll()
        }
        return nil
    }

    private static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    private static func send(_ packet: [UInt8], through device: WireGuardDevice, to peer: Peer,
                             buffer: UnsafeMutableRawBufferPointer) {
        let start = WireGuardDevice.headroom
        guard start + packet.count + WireGuardDevice.tailroom <= buffer.count else { return }
        UnsafeMutableRawBufferPointer(rebasing: buffer[start..<(start + packet.count)]).copyBytes(from: packet)
        device.sendPacket(in: buffer, length: packet.count, to: peer, now: now())
    }

    /// Waits up to pollMilliseconds for datagrams and hands each to the device.
    private static func receive(on socket: UDPSocket, into buffer: UnsafeMutableRawBufferPointer,
                                device: WireGuardDevice) {
        var fds = pollfd(fd: socket.fd, events: Int16(POLLIN), revents: 0)
        guard poll(&fds, 1, pollMilliseconds) > 0 else { return }
        while true {
            var from = sockaddr_in6()
            var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            let n = withUnsafeMutablePointer(to: &from) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(socket.fd, buffer.baseAddress, buffer.count, 0, $0, &length)
                }
            }
            guard n > 0 else { return }
            device.receiveDatagram(in: buffer, length: n, from: SocketAddress(storage: from).endpoint, now: now())
        }
    }
}
