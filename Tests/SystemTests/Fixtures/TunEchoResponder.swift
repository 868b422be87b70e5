// A test fixture built from Reactor + TunDevice + Packet: every ICMP echo request
// that arrives on the TUN goes back as an echo reply, every UDP datagram goes back
// with addresses and ports swapped. Checksums are fixed by the Packet rewrites, so
// the kernel accepts what comes back only if they are right.
import Packet
import Reactor

final class TunEchoResponder {
    let reactor = Reactor(label: "test.tun-echo")
    let tun: TunDevice
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
    private(set) var echoed = 0
    private(set) var dropped = 0

    init(tun: TunDevice) throws {
        self.tun = tun
        try reactor.addReader(fd: tun.fd) { [unowned self] in self.drain() }
    }

    deinit { buffer.deallocate() }

    func stop() {
        reactor.perform { tun.close() }
        reactor.stop()
    }

    private func drain() {
        while let n = try? tun.read(into: buffer), n > 0 {
            guard let packet = IPPacket(buffer: buffer, length: n) else { dropped += 1; continue }
            if packet.echoIdentifier != nil {
                guard (try? packet.turnIntoEchoReply()) != nil else { dropped += 1; continue }
            } else if packet.udp != nil {
                packet.swapEndpoints()
            } else {
                dropped += 1
                continue
            }
            _ = try? tun.write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            echoed += 1
        }
    }
}
