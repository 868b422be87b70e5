// A server with 1,000 clients that each completed a handshake and sent data: its resident
// memory stays under the 64 MB the performance issue allows. The clients are WireGuard
// engines of the test process itself (the WireGuard module), one per key, all behind one
// UDP socket in the client namespace: a thousand `tunnel client` processes would take
// minutes. Their data arrives like any client's, through the server's deferred decryption,
// so every session carries the cipher contexts of both crypto lanes.
import Addresses
import CShims
import Config
import Foundation
import Peers
import WireGuard
import XCTest

final class SessionScaleSystemTests: XCTestCase {
    static let sessions = 1000
    static let memoryLimitKilobytes = 64 * 1024
    static let serverAddress = "100.64.0.1"
    /// Handshakes a second the clients start, below the server's under-load threshold
    /// (512 a second), so every one is answered rather than sent a cookie.
    static let handshakesPerSecond = 300.0

    /// Sends a client engine's datagrams to the server through the test's socket.
    final class SocketOutput: DeviceOutput {
        let fd: Int32
        var delivered = 0
        init(fd: Int32) { self.fd = fd }
        func send(datagram: UnsafeRawBufferPointer, to endpoint: Endpoint) {
            _ = Glibc.send(fd, datagram.baseAddress, datagram.count, 0)
        }
        func deliver(packet: UnsafeRawBufferPointer, from peer: Peer) { delivered += 1 }
        func record(_ event: DeviceEvent) {}
    }

    func testAThousandActiveSessionsStayUnder64MB() throws {
        try requireSystemTestPrerequisites(tools: ["wg"], needsTunnelBinary: true)
        let topo = try Topology("client eth0 192.0.2.2/24 -- server eth0 192.0.2.1/24", test: self)
        let clientKeys = (0..<Self.sessions).map { _ in X25519.generatePrivateKey() }
        var config = ServerConfigFile.newConfig(listen: Endpoint("0.0.0.0:51820")!,
                                                addresses: [try IPPrefix(parsing: "\(Self.serverAddress)/16")])
        config.peers = clientKeys.enumerated().map { i, key in
            PeerSection(publicKey: X25519.publicKey(for: key), allowedIPs: [Self.tunnelPrefix(i)])
        }
        let serverKey = X25519.publicKey(for: config.interface.privateKey)
        let interface = topo.uniqueInterfaceName("s" + "server".prefix(3))
        try ServerConfigFile.save(config, path: topo.logDirectory.appendingPathComponent("server-\(interface).conf").path)
        let server = try TunnelServerProcess(in: topo, namespace: "server", addresses: ["\(Self.serverAddress)/16"],
                                             extraArguments: ["--nat", "off", "--crypto-workers", "2"], logLevel: "info")
        XCTAssertTrue(topo.waitUntil(timeout: 60) { server.log.contains("server on ") || !server.process.isRunning },
                      server.log.suffix(2000).description)
        let idleKilobytes = ScaleSystemTests.residentKilobytes(pid: server.process.pid)

        let fd = try topo.enter("client") { socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0) }
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(51820).bigEndian
        address.sin_addr.s_addr = (UInt32(192) << 24 | UInt32(2) << 8 | 1).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        XCTAssertEqual(connected, 0, "errno \(errno)")

        let output = SocketOutput(fd: fd)
        let serverEndpoint = Endpoint("192.0.2.1:51820")!
        var established = 0
        for (i, key) in clientKeys.enumerated() {
            let client = WireGuardDevice(privateKey: key, output: output, wallClock: Self.wallClock)
            client.setPeer(PeerConfiguration(publicKey: serverKey, endpoint: serverEndpoint,
                                             allowedIPs: [try IPPrefix(parsing: "0.0.0.0/0")]), now: Self.now())
            // The packet waits for the session: initiation out, response in, then it goes
            // as the first transport message, which confirms the session to the server.
            Self.send(Self.udpPacket(from: i), from: client)
            if let response = Self.receiveResponse(fd, timeoutMilliseconds: 2000) {
                response.withUnsafeBytes { bytes in
                    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
                    defer { buffer.deallocate() }
                    buffer.copyMemory(from: bytes)
                    client.receiveDatagram(in: buffer, length: bytes.count, from: serverEndpoint, now: Self.now())
                }
                if client.peers[0].hasSession { established += 1 }
            }
            // More data, as an active client sends.
            for _ in 0..<4 { Self.send(Self.udpPacket(from: i, size: 1200), from: client) }
            Thread.sleep(forTimeInterval: 1 / Self.handshakesPerSecond)
        }
        XCTAssertEqual(established, Self.sessions, "every client got a response")

        // The server has a session with every client once its last data arrived.
        var withHandshake = 0
        XCTAssertTrue(topo.waitUntil(timeout: 30) {
            let out = (try? topo.run("server", ["wg", "show", server.interface, "latest-handshakes"])) ?? ""
            withHandshake = out.split(separator: "\n").filter { !$0.hasSuffix("\t0") }.count
            return withHandshake == Self.sessions
        }, "\(withHandshake) of \(Self.sessions) peers have a session")
        let counters = try topo.tunnelCounters("server", server.interface)
        let kilobytes = ScaleSystemTests.residentKilobytes(pid: server.process.pid)
        print("session-scale: \(Self.sessions) sessions: server RSS \(kilobytes) kB (idle with the same peers \(idleKilobytes) kB, \((kilobytes - idleKilobytes) * 1024 / Self.sessions) bytes a session); \(counters)")
        XCTAssertGreaterThan(idleKilobytes, 0)
        XCTAssertLessThan(kilobytes, Self.memoryLimitKilobytes, "resident memory with \(Self.sessions) sessions")
        XCTAssertTrue(server.process.isRunning)
    }

    // MARK: helpers

    static func tunnelPrefix(_ i: Int) -> IPPrefix {
        let host = UInt32(i + 2)
        return IPPrefix(address: .v4(IPv4Address(100, 64, UInt8(host >> 8), UInt8(host & 0xff))), length: 32)
    }

    /// A UDP packet from client `i`'s tunnel address to the server's (discard port).
    static func udpPacket(from i: Int, size: Int = 64) -> [UInt8] {
        let host = UInt32(i + 2)
        let total = max(size, 28)
        var p: [UInt8] = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 0, 0x40, 0, 64, 17, 0, 0,
                          100, 64, UInt8(host >> 8), UInt8(host & 0xff), 100, 64, 0, 1]
        let udpLength = total - 20
        p += [0xc3, 0x50, 0, 9, UInt8(udpLength >> 8), UInt8(udpLength & 0xff), 0, 0]
        p += [UInt8](repeating: 0x5a, count: total - 28)
        var sum: UInt32 = 0
        for k in stride(from: 0, to: 20, by: 2) { sum += UInt32(p[k]) << 8 | UInt32(p[k + 1]) }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        let checksum = ~UInt16(sum)
        p[10] = UInt8(checksum >> 8)
        p[11] = UInt8(checksum & 0xff)
        return p
    }

    static func send(_ packet: [UInt8], from device: WireGuardDevice) {
        var buffer = [UInt8](repeating: 0, count: WireGuardDevice.headroom) + packet
            + [UInt8](repeating: 0, count: WireGuardDevice.tailroom)
        buffer.withUnsafeMutableBytes { device.sendPacket(in: $0, length: packet.count, now: now()) }
    }

    /// The next handshake response; transport messages for earlier clients (the
    /// server's ICMP errors about their packets) are passed over.
    static func receiveResponse(_ fd: Int32, timeoutMilliseconds: Int32) -> [UInt8]? {
        let deadline = now() + UInt64(timeoutMilliseconds) * 1_000_000
        var bytes = [UInt8](repeating: 0, count: 2048)
        while now() < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32((deadline - now()) / 1_000_000) + 1) == 1 else { return nil }
            let n = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == HandshakeResponse.length, bytes[0] == MessageType.handshakeResponse.rawValue {
                return Array(bytes[0..<n])
            }
        }
        return nil
    }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    static func wallClock() -> TAI64N {
        let t = Date().timeIntervalSince1970
        return TAI64N(unixSeconds: UInt64(t), nanoseconds: UInt32((t - t.rounded(.down)) * 1e9))
    }
}
