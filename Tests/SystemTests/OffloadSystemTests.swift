import Foundation
import TestSupport
import XCTest

/// TUN and UDP segmentation offloads, between two `tunnel client`s over a veth pair: a file
/// sent through the tunnel arrives byte for byte whether offloads are on, off, or on at one
/// end only; with them on, the kernel hands over super-packets that the sender splits
/// (fewer TUN reads than datagrams on the underlay) and the receiver coalesces (fewer TUN
/// writes than datagrams); with them off, every TUN read is one packet. Also a UDP sender
/// using UDP_SEGMENT (USO), whose datagrams must arrive each on its own.
final class OffloadSystemTests: XCTestCase {
    static let tools = ["socat", "python3", "ping"]
    /// Big enough for TCP to reach full-size super-packets, small enough to be quick.
    static let fileBytes = 24 << 20
    /// The tunnel's MTU (TunnelProcess.config's default).
    static let mtu = 1420

    private struct Pair {
        let topo: Topology
        let a: TunnelProcess
        let b: TunnelProcess
    }

    private func pair(offloadA: Bool = true, offloadB: Bool = true, cryptoWorkers: Int = 2) throws -> Pair {
        let workers = ["--crypto-workers", "\(cryptoWorkers)"]
        let topo = try Topology("a eth0 192.0.2.1/24 -- b eth0 192.0.2.2/24", test: self)
        let ka = try WireGuardKeys.generate(), kb = try WireGuardKeys.generate()
        let a = try TunnelProcess(in: topo, namespace: "a", keys: ka, config: TunnelProcess.config(
            privateKey: ka.privateKey, addresses: ["100.64.0.1/24", "2001:db8:100::1/64"], listenPort: 51820,
            peerPublicKey: kb.publicKey, endpoint: "192.0.2.2:51820",
            allowedIPs: ["100.64.0.2/32", "2001:db8:100::2/128"]), extraArguments: workers + (offloadA ? [] : ["--offload", "off"]))
        let b = try TunnelProcess(in: topo, namespace: "b", keys: kb, config: TunnelProcess.config(
            privateKey: kb.privateKey, addresses: ["100.64.0.2/24", "2001:db8:100::2/64"], listenPort: 51820,
            peerPublicKey: ka.publicKey, endpoint: "192.0.2.1:51820",
            allowedIPs: ["100.64.0.1/32", "2001:db8:100::1/128"]), extraArguments: workers + (offloadB ? [] : ["--offload", "off"]))
        let ping = try topo.attempt("a", ["ping", "-c", "1", "-W", "5", "100.64.0.2"])
        XCTAssertEqual(ping.status, 0, "the session is up: \(ping.stdout)\n\(topo.processLogs)")
        return Pair(topo: topo, a: a, b: b)
    }

    /// Random bytes in a file of the test's own directory.
    private func randomFile(_ topo: Topology, _ name: String) throws -> URL {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: Self.fileBytes)
        for i in stride(from: 0, to: bytes.count, by: 8) {
            withUnsafeBytes(of: generator.next() as UInt64) { word in
                for k in 0..<min(8, bytes.count - i) { bytes[i + k] = word[k] }
            }
        }
        let url = topo.logDirectory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    /// Sends `file` over TCP from `from` to `address` (socat on both ends) and returns what
    /// the receiver wrote.
    private func sendOverTCP(_ topo: Topology, file: URL, from: String, to: String, address: String) throws -> Data {
        let received = topo.logDirectory.appendingPathComponent("received-\(UUID().uuidString.prefix(8))")
        let bind = address.contains(":") ? "TCP6-LISTEN:5001,bind=[\(address)]" : "TCP4-LISTEN:5001,bind=\(address)"
        let listener = try topo.spawn(to, name: "socat-listen", ["socat", "-u", bind, "CREATE:\(received.path)"])
        XCTAssertTrue(topo.waitUntil(timeout: 5) {
            (try? topo.run(to, ["ss", "-Htln", "sport = :5001"]))?.contains("5001") == true
        }, "socat listens")
        let target = address.contains(":") ? "TCP6:[\(address)]:5001" : "TCP4:\(address):5001"
        try topo.run(from, ["socat", "-u", "OPEN:\(file.path)", target], timeout: 60)
        XCTAssertTrue(topo.waitUntil(timeout: 30) { !listener.isRunning }, "the receiver saw the end of the stream")
        return try Data(contentsOf: received)
    }

    func testTCPIsSplitOnSendAndCoalescedOnReceiveWithOffloads() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let p = try pair()
        XCTAssertTrue(p.a.log.contains("offloads: TUN csum,tso4,tso6"), "the kernel granted TSO: \(p.a.log)")
        let file = try randomFile(p.topo, "payload")
        for address in ["100.64.0.2", "2001:db8:100::2"] {
            let packetsA0 = try p.topo.linkPackets("a", p.a.interface), bytesA0 = try p.topo.linkBytes("a", p.a.interface)
            let packetsB0 = try p.topo.linkPackets("b", p.b.interface), bytesB0 = try p.topo.linkBytes("b", p.b.interface)
            let received = try sendOverTCP(p.topo, file: file, from: "a", to: "b", address: address)
            XCTAssertEqual(received, try Data(contentsOf: file), "\(address): every byte arrived, in order")
            let packetsA = try p.topo.linkPackets("a", p.a.interface), bytesA = try p.topo.linkBytes("a", p.a.interface)
            let packetsB = try p.topo.linkPackets("b", p.b.interface), bytesB = try p.topo.linkBytes("b", p.b.interface)
            // The kernel counts what a read from the TUN (tx) and what b wrote to it (rx):
            // packets of many MTUs each on average are super-packets.
            let reads = packetsA.tx - packetsA0.tx, readBytes = bytesA.tx - bytesA0.tx
            let writes = packetsB.rx - packetsB0.rx, writtenBytes = bytesB.rx - bytesB0.rx
            XCTAssertGreaterThanOrEqual(readBytes, UInt64(Self.fileBytes), "\(address): the file left through a's TUN")
            XCTAssertGreaterThanOrEqual(writtenBytes, UInt64(Self.fileBytes), "\(address): the file came out of b's TUN")
            XCTAssertGreaterThan(readBytes / max(reads, 1), UInt64(4 * Self.mtu),
                                 "\(address): a read super-packets (\(reads) reads, \(readBytes) bytes)")
            XCTAssertGreaterThan(writtenBytes / max(writes, 1), UInt64(4 * Self.mtu),
                                 "\(address): b wrote coalesced packets (\(writes) writes, \(writtenBytes) bytes)")
        }
        let countersA = try p.topo.tunnelCounters("a", p.a.interface)
        let countersB = try p.topo.tunnelCounters("b", p.b.interface)
        XCTAssertGreaterThanOrEqual(countersA["tun_segments_made"] ?? 0, 2 * UInt64(Self.fileBytes / Self.mtu) * 3 / 4,
                                    "most of both files was split by a: \(countersA)")
        XCTAssertGreaterThanOrEqual(countersB["tun_packets_coalesced"] ?? 0, 2 * UInt64(Self.fileBytes / Self.mtu) / 2,
                                    "most of both files was coalesced by b: \(countersB)")
        for (side, counters) in [("a", countersA), ("b", countersB)] {
            XCTAssertEqual(counters["tun_offload_rejected"], 0, "\(side): \(counters)")
            XCTAssertEqual(counters["tun_write_failures"], 0, "\(side): \(counters)")
        }
        // a encrypted and b decrypted 48 MB in batches of up to 128 packets, which the
        // second crypto thread helps with whenever its core is free: how often depends on
        // the scheduler (both tunnels and socat share two cores), that it did at all, on
        // both sides, with every byte in order, is what this shows.
        XCTAssertTrue(p.a.log.contains("crypto on 2 threads"), p.a.log)
        for (side, counters) in [("a", countersA), ("b", countersB)] {
            XCTAssertGreaterThan(counters["crypto_batches_shared"] ?? 0, 0, "\(side): \(counters)")
        }
    }

    func testOneCryptoThreadKeepsTheCipherWorkOnThePacketLoop() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let p = try pair(cryptoWorkers: 1)
        XCTAssertTrue(p.a.log.contains("crypto on 1 thread"), p.a.log)
        let file = try randomFile(p.topo, "payload")
        let received = try sendOverTCP(p.topo, file: file, from: "a", to: "b", address: "100.64.0.2")
        XCTAssertEqual(received, try Data(contentsOf: file), "every byte arrived, in order")
        for (side, iface) in [("a", p.a.interface), ("b", p.b.interface)] {
            let counters = try p.topo.tunnelCounters(side, iface)
            XCTAssertEqual(counters["crypto_batches_shared"], 0, "\(side): \(counters)")
            XCTAssertGreaterThan(counters["tun_segments_made", default: 0] + counters["tun_packets_coalesced", default: 0],
                                 UInt64(Self.fileBytes / Self.mtu / 2), "\(side) moved the file with offloads: \(counters)")
        }
    }

    func testOffloadOffMovesOnePacketPerSystemCall() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let p = try pair(offloadA: false, offloadB: false)
        XCTAssertTrue(p.a.log.contains("offloads off"), p.a.log)
        let file = try randomFile(p.topo, "payload")
        let packetsA0 = try p.topo.linkPackets("a", p.a.interface), bytesA0 = try p.topo.linkBytes("a", p.a.interface)
        let received = try sendOverTCP(p.topo, file: file, from: "a", to: "b", address: "100.64.0.2")
        XCTAssertEqual(received, try Data(contentsOf: file), "every byte arrived, in order")
        let packetsA = try p.topo.linkPackets("a", p.a.interface), bytesA = try p.topo.linkBytes("a", p.a.interface)
        let reads = packetsA.tx - packetsA0.tx, readBytes = bytesA.tx - bytesA0.tx
        XCTAssertGreaterThanOrEqual(readBytes, UInt64(Self.fileBytes), "the file left through a's TUN")
        XCTAssertLessThanOrEqual(readBytes / max(reads, 1), UInt64(Self.mtu),
                                 "one packet of at most the MTU per read (\(reads) reads, \(readBytes) bytes)")
        for (side, iface) in [("a", p.a.interface), ("b", p.b.interface)] {
            let counters = try p.topo.tunnelCounters(side, iface)
            XCTAssertEqual(counters["tun_superpackets_read"], 0, "\(side): \(counters)")
            XCTAssertEqual(counters["tun_packets_coalesced"], 0, "\(side): \(counters)")
            XCTAssertEqual(counters["udp_datagrams_coalesced"], 0, "\(side): \(counters)")
        }
    }

    func testOffloadingPeerAndPlainPeerInterwork() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let p = try pair(offloadA: true, offloadB: false)
        let file = try randomFile(p.topo, "payload")
        XCTAssertEqual(try sendOverTCP(p.topo, file: file, from: "a", to: "b", address: "2001:db8:100::2"),
                       try Data(contentsOf: file), "offloading sender to plain receiver")
        XCTAssertEqual(try sendOverTCP(p.topo, file: file, from: "b", to: "a", address: "100.64.0.1"),
                       try Data(contentsOf: file), "plain sender to offloading receiver")
    }

    /// An underlay device without transmit checksum offload: kernels before 6.x refuse
    /// UDP GSO there with EIO (the tunnel then logs it once and sends datagram by
    /// datagram), newer ones checksum the segments in software. Either way nothing is lost.
    func testUnderlayWithoutChecksumOffloadLosesNothing() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let p = try pair()
        // ethtool's ETHTOOL_STXCSUM / GTXCSUM through SIOCETHTOOL (ethtool is not needed).
        let txChecksumOff = """
            import ctypes, fcntl, socket, struct
            def ethtool(command, data):
                value = ctypes.create_string_buffer(struct.pack("II", command, data), 8)
                request = struct.pack("16sP", b"eth0", ctypes.addressof(value))
                fcntl.ioctl(socket.socket(socket.AF_INET, socket.SOCK_DGRAM), 0x8946, request)
                return struct.unpack("II", value.raw[:8])[1]
            ethtool(0x17, 0)
            print(ethtool(0x16, 0))
            """
        XCTAssertEqual(try p.topo.run("a", ["python3", "-c", txChecksumOff]), "0\n", "a's eth0 no longer offloads checksums")
        let file = try randomFile(p.topo, "payload")
        XCTAssertEqual(try sendOverTCP(p.topo, file: file, from: "a", to: "b", address: "100.64.0.2"),
                       try Data(contentsOf: file), "every byte arrived")
        let counters = try p.topo.tunnelCounters("a", p.a.interface)
        XCTAssertEqual(counters["udp_send_failures"], 0, "\(counters)\n\(p.a.log)")
        XCTAssertGreaterThan(counters["tun_superpackets_read"] ?? 0, 0, "the TUN offloads stay on: \(counters)")
    }

    /// A sender using UDP_SEGMENT makes the kernel hand the TUN one UDP super-packet per
    /// send (USO); each of its datagrams must arrive whole and on its own.
    func testUDPSegmentedSendsArriveAsSeparateDatagrams() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let p = try pair()
        guard p.a.log.contains("uso4") else {
            // USO needs Linux 6.2; older kernels hand over plain UDP, which other tests cover.
            throw Prerequisite.missing("this kernel does not offer USO on the TUN: \(p.a.log)")
        }
        let sends = 50, perSend = 10, size = 1000
        let receiver = """
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE: the burst must fit
            s.bind(("100.64.0.2", 5002))
            s.settimeout(10)
            count, good = 0, 0
            try:
                while count < \(sends * perSend):
                    data = s.recv(65535)
                    count += 1
                    good += len(data) == \(size) and data == bytes([data[0]]) * \(size)
            except socket.timeout:
                pass
            print(count, good)
            """
        let sender = """
            import socket
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_UDP, 103, \(size))  # UDP_SEGMENT
            for i in range(\(sends)):
                s.sendto(b"".join(bytes([(i * \(perSend) + k) % 256]) * \(size) for k in range(\(perSend))), ("100.64.0.2", 5002))
            """
        let script = p.topo.logDirectory.appendingPathComponent("udp-receiver.py")
        try receiver.write(to: script, atomically: true, encoding: .utf8)
        let listener = try p.topo.spawn("b", name: "udp-receiver", ["python3", script.path])
        XCTAssertTrue(p.topo.waitUntil(timeout: 5) {
            (try? p.topo.run("b", ["ss", "-Huln", "sport = :5002"]))?.contains("5002") == true
        }, "the receiver listens")
        let before = try p.topo.tunnelCounters("a", p.a.interface)
        let beforeB = try p.topo.tunnelCounters("b", p.b.interface)
        try p.topo.run("a", ["python3", "-c", sender])
        XCTAssertTrue(p.topo.waitUntil(timeout: 15) { !listener.isRunning }, "the receiver finished")
        XCTAssertEqual(listener.log.trimmingCharacters(in: .whitespacesAndNewlines), "\(sends * perSend) \(sends * perSend)",
                       "every datagram arrived whole: \(listener.log)")
        let after = try p.topo.tunnelCounters("a", p.a.interface)
        XCTAssertEqual((after["tun_superpackets_read"] ?? 0) - (before["tun_superpackets_read"] ?? 0), UInt64(sends),
                       "each send was one UDP super-packet: \(after)")
        XCTAssertEqual((after["tun_segments_made"] ?? 0) - (before["tun_segments_made"] ?? 0), UInt64(sends * perSend),
                       "split into its datagrams: \(after)")
        // b merged datagrams that arrived together into UDP super-packets for its TUN
        // (how many depends on how they were batched), and the kernel split them back for
        // the socket: every datagram above arrived whole and on its own.
        let afterB = try p.topo.tunnelCounters("b", p.b.interface)
        XCTAssertGreaterThan((afterB["tun_superpackets_written"] ?? 0) - (beforeB["tun_superpackets_written"] ?? 0), 0,
                             "b wrote UDP super-packets: \(afterB)")
        XCTAssertGreaterThan((afterB["tun_packets_coalesced"] ?? 0) - (beforeB["tun_packets_coalesced"] ?? 0), 0,
                             "\(afterB)")
    }
}
