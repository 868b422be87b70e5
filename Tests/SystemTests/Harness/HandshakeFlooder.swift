// An attacker for flood tests: sends copies of one handshake initiation to a server as fast
// as one thread can, from a namespace of the test's. Two kinds:
//   - cookie holder: a real source address that asked for a cookie (the key to decrypt
//     it is derived from the server's public key, which every client has), so every copy
//     carries a valid MAC2 and, without a rate limit, costs the server a Diffie-Hellman;
//   - spoofed: valid MAC1, random source addresses from 203.0.113.0/24 (raw socket with
//     our own IPv4 header), each of which the server would answer with a cookie reply.
// The initiation is from a key the server does not know: processing it ends in a drop.
import CShims
import Foundation
import TestSupport
import WireGuard

/// Unchecked: the flood thread is the only user of the socket and the count until `flood`'s
/// closure has waited for it.
final class HandshakeFlooder: @unchecked Sendable {
    private let fd: Int32
    private var message: [UInt8]
    private var cookie: PeerCookie
    private let server: (address: UInt32, port: UInt16)
    private let spoofed: Bool
    /// Spoofed datagrams, one per source address, built once so the loop only sends.
    private var spoofedDatagrams: [[UInt8]] = []
    private var sentCount = 0

    /// Opens the socket inside `namespace` (it stays there).
    init(topo: Topology, namespace: String, serverPublicKey: Key, serverIPv4: String, port: UInt16,
         spoofed: Bool) throws {
        self.spoofed = spoofed
        server = (try HandshakeFlooder.parse(serverIPv4), port)
        cookie = PeerCookie(remoteStatic: serverPublicKey)
        var handshake = Handshake(remoteStatic: serverPublicKey)
        message = try handshake.createInitiation(local: StaticIdentity(privateKey: X25519.generatePrivateKey()),
                                                 localIndex: 0x0bad_cafe,
                                                 timestamp: TAI64N(unixSeconds: 1_700_000_000, nanoseconds: 0)).encoded()
        cookie.addMACs(to: &message, now: 0)
        fd = try topo.enter(namespace) {
            spoofed ? socket(AF_INET, Int32(SOCK_RAW.rawValue), Int32(IPPROTO_RAW))
                    : socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        }
        guard fd >= 0 else { throw MissingPrerequisite(description: "flooder socket: errno \(errno)") }
        topo.onTeardown { [fd] in close(fd) }
        if spoofed { spoofedDatagrams = (UInt32(1)...254).map { datagram(from: HandshakeFlooder.spoofedNetwork | $0) } }
    }

    /// Floods until the server answers with a cookie reply, then puts MAC2 on the message.
    /// Returns false if no reply came within `timeout` seconds.
    func obtainCookie(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        var reply = [UInt8](repeating: 0, count: 256)
        while Date() < deadline {
            for _ in 0..<100 { send(message) }
            let n = reply.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard n > 0, reply[0] == 3, let parsed = try? CookieReply(bytes: Array(reply[0..<n])),
                  (try? cookie.consume(parsed, now: 0)) != nil else { continue }
            cookie.addMACs(to: &message, now: 0)
            return true
        }
        return false
    }

    /// Sends copies for `seconds` on a background thread; returns how many it sent.
    func flood(seconds: TimeInterval) -> () -> Int {
        let done = DispatchSemaphore(value: 0)
        sentCount = 0
        let thread = Thread { [self] in
            let end = Date().addingTimeInterval(seconds)
            var next = 0
            while Date() < end {
                for _ in 0..<256 {
                    next = spoofed ? (next + 1) % spoofedDatagrams.count : 0
                    if send(spoofed ? spoofedDatagrams[next] : message) { sentCount += 1 }
                }
            }
            done.signal()
        }
        thread.start()
        return {
            done.wait()
            return self.sentCount
        }
    }

    /// 203.0.113.0/24, where spoofed sources come from.
    static let spoofedNetwork: UInt32 = 0xCB00_7100

    @discardableResult
    private func send(_ packet: [UInt8]) -> Bool {
        var to = sockaddr_in()
        to.sin_family = sa_family_t(AF_INET)
        to.sin_port = server.port.bigEndian
        to.sin_addr.s_addr = server.address.bigEndian
        return packet.withUnsafeBytes { bytes in
            withUnsafePointer(to: &to) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        } == packet.count
    }

    /// IPv4 + UDP headers around the message (UDP checksum 0: none, allowed over IPv4);
    /// the kernel fills the IP checksum and total length for IPPROTO_RAW.
    private func datagram(from source: UInt32) -> [UInt8] {
        let udpLength = 8 + message.count
        let total = 20 + udpLength
        let sport = UInt16(truncatingIfNeeded: 1024 + (source & 0xff) * 100)
        var p: [UInt8] = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 0, 0, 0, 64, 17, 0, 0]
        p += withUnsafeBytes(of: source.bigEndian, Array.init)
        p += withUnsafeBytes(of: server.address.bigEndian, Array.init)
        p += [UInt8(sport >> 8), UInt8(sport & 0xff), UInt8(server.port >> 8), UInt8(server.port & 0xff),
              UInt8(udpLength >> 8), UInt8(udpLength & 0xff), 0, 0]
        return p + message
    }

    private static func parse(_ text: String) throws -> UInt32 {
        var a = in_addr()
        guard inet_pton(AF_INET, text, &a) == 1 else { throw MissingPrerequisite(description: "bad address \(text)") }
        return UInt32(bigEndian: a.s_addr)
    }
}
