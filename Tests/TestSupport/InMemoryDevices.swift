// Two WireGuardDevices in memory joined by a pump, after a real handshake: what the
// status, peers and data-path tests read and change without sockets or threads.
import Addresses
@testable import WireGuard

/// Collects what a device sends; nothing is delivered anywhere by itself.
public final class CollectingOutput: DeviceOutput {
    public var datagrams: [[UInt8]] = []
    public var delivered = 0
    public func send(datagram: UnsafeRawBufferPointer, to endpoint: Endpoint) { datagrams.append(Array(datagram)) }
    public func deliver(packet: UnsafeRawBufferPointer, from peer: Peer) { delivered += 1 }
    public func record(_ event: DeviceEvent) {}
}

/// Device `a` (the one under test, with peers b and c) and device `b`, wired by `pump`.
public final class InMemoryDevices {
    public static let wallSeconds: UInt64 = 1_700_000_000
    public static let wallNanoseconds: UInt32 = 123_456_789
    public static let endpointA = Endpoint("192.0.2.1:51820")!
    public static let endpointB = Endpoint("192.0.2.2:51820")!

    public let outA = CollectingOutput(), outB = CollectingOutput()
    public let a: WireGuardDevice, b: WireGuardDevice
    public let keyC = X25519.publicKey(for: Key(bytes: [UInt8](repeating: 3, count: 32)))
    public let psk = Key(bytes: [UInt8](repeating: 9, count: 32))
    public let now: UInt64 = 1_000 * ProtocolConstants.nanosecondsPerSecond

    public init() {
        let clock = { TAI64N(unixSeconds: InMemoryDevices.wallSeconds, nanoseconds: InMemoryDevices.wallNanoseconds) }
        a = WireGuardDevice(privateKey: Key(bytes: [UInt8](repeating: 1, count: 32)), output: outA, wallClock: clock, jitter: { _ in 0 })
        b = WireGuardDevice(privateKey: Key(bytes: [UInt8](repeating: 2, count: 32)), output: outB, wallClock: clock, jitter: { _ in 0 })
        a.setPeer(PeerConfiguration(publicKey: b.publicKey, presharedKey: psk, endpoint: InMemoryDevices.endpointB,
                                    allowedIPs: [prefix("100.64.0.2/32")], persistentKeepalive: 25, name: "laptop"), now: now)
        a.setPeer(PeerConfiguration(publicKey: keyC, allowedIPs: [prefix("100.64.0.3/32"), prefix("2001:db8::3/128")]), now: now)
        b.setPeer(PeerConfiguration(publicKey: a.publicKey, presharedKey: psk, endpoint: InMemoryDevices.endpointA,
                                    allowedIPs: [prefix("100.64.0.1/32")]), now: now)
    }

    /// a sends one packet to b (initiation, response, then the packet itself), and b one back.
    public func handshakeAndSend() {
        sendPacket(from: a, source: "100.64.0.1", destination: "100.64.0.2")
        pump()
        sendPacket(from: b, source: "100.64.0.2", destination: "100.64.0.1")
        pump()
    }

    public func pump() {
        for _ in 0..<10 {
            guard !outA.datagrams.isEmpty || !outB.datagrams.isEmpty else { return }
            let fromA = outA.datagrams, fromB = outB.datagrams
            outA.datagrams.removeAll()
            outB.datagrams.removeAll()
            for d in fromA { receive(d, at: b, from: InMemoryDevices.endpointA) }
            for d in fromB { receive(d, at: a, from: InMemoryDevices.endpointB) }
        }
    }

    private func receive(_ datagram: [UInt8], at device: WireGuardDevice, from source: Endpoint) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: datagram.count + 64, alignment: 16)
        defer { buffer.deallocate() }
        buffer.copyBytes(from: datagram)
        device.receiveDatagram(in: buffer, length: datagram.count, from: source, now: now)
    }

    private func sendPacket(from device: WireGuardDevice, source: String, destination: String) {
        let packet = InMemoryDevices.ipv4Packet(source: source, destination: destination, payload: 32)
        let buffer = UnsafeMutableRawBufferPointer.allocate(
            byteCount: WireGuardDevice.headroom + packet.count + WireGuardDevice.tailroom, alignment: 16)
        defer { buffer.deallocate() }
        UnsafeMutableRawBufferPointer(rebasing: buffer[WireGuardDevice.headroom...]).copyBytes(from: packet)
        device.sendPacket(in: buffer, length: packet.count, now: now)
    }

    /// A minimal IPv4/UDP-less packet (protocol 253, for experiments) with a valid header checksum.
    public static func ipv4Packet(source: String, destination: String, payload: Int) -> [UInt8] {
        var p = [UInt8](repeating: 0, count: 20 + payload)
        p[0] = 0x45
        p[2] = UInt8((20 + payload) >> 8); p[3] = UInt8((20 + payload) & 0xff)
        p[8] = 64; p[9] = 253
        p[12..<16] = ArraySlice(octets(source)); p[16..<20] = ArraySlice(octets(destination))
        var sum: UInt32 = 0
        for i in stride(from: 0, to: 20, by: 2) { sum += UInt32(p[i]) << 8 | UInt32(p[i + 1]) }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        p[10] = UInt8((~sum >> 8) & 0xff); p[11] = UInt8(~sum & 0xff)
        return p
    }

    private static func octets(_ text: String) -> [UInt8] { text.split(separator: ".").map { UInt8($0)! } }
}

public func prefix(_ text: String) -> IPPrefix { try! IPPrefix(parsing: text) }
