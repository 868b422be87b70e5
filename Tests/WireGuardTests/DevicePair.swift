// Two WireGuardDevices wired back to back in memory with a fake clock: what one sends
// is queued and delivered to the other by `pump`, so whole sessions run without sockets.
import Addresses
import XCTest
@testable import WireGuard

final class RecordingOutput: DeviceOutput {
    var datagrams: [(bytes: [UInt8], to: Endpoint)] = []
    var delivered: [[UInt8]] = []
    var events: [String] = []
    /// When set, datagrams stay where the device built them, unsent, as the tunnel's send
    /// batch holds them: the device may then leave their encryption to completeSeals.
    var holdEverything = false
    var heldDatagrams: [UnsafeRawBufferPointer] = []

    func send(datagram: UnsafeRawBufferPointer, to endpoint: Endpoint) {
        if holdEverything { heldDatagrams.append(datagram) } else { datagrams.append((Array(datagram), endpoint)) }
    }
    func holdsUntilSealed(_ datagram: UnsafeRawBufferPointer) -> Bool { holdEverything }
    func deliver(packet: UnsafeRawBufferPointer, from peer: Peer) { delivered.append(Array(packet)) }
    func record(_ event: DeviceEvent) { events.append(event.description) }
}

final class DevicePair {
    static let endpointA = Endpoint("192.0.2.1:51820")!
    static let endpointB = Endpoint("192.0.2.2:51820")!
    static let tunnelA = "100.64.0.1"
    static let tunnelB = "100.64.0.2"

    let outA = RecordingOutput(), outB = RecordingOutput()
    let a: WireGuardDevice
    let b: WireGuardDevice
    var now: UInt64 = 5_000 * ProtocolConstants.nanosecondsPerSecond
    var wallSeconds: UInt64 = 1_700_000_000
    /// When false, datagrams are lost on the wire (a dead link).
    var linkUp = true

    init(psk: Key? = nil, pskB: Key? = nil, timers: TimerConfiguration = .standard, keepaliveA: UInt16 = 0,
         jitterB: UInt64 = 0) {
        let keyA = X25519.generatePrivateKey(), keyB = X25519.generatePrivateKey()
        var wall: () -> TAI64N = { TAI64N(unixSeconds: 0, nanoseconds: 0) }
        let config = DeviceConfiguration(mtu: 1420, timers: timers)
        a = WireGuardDevice(privateKey: keyA, configuration: config, output: outA, wallClock: { wall() }, jitter: { _ in 0 })
        b = WireGuardDevice(privateKey: keyB, configuration: config, output: outB, wallClock: { wall() }, jitter: { _ in jitterB })
        wall = { [unowned self] in TAI64N(unixSeconds: self.wallSeconds, nanoseconds: UInt32(self.now % 1_000_000_000)) }
        a.setPeer(PeerConfiguration(publicKey: b.publicKey, presharedKey: psk, endpoint: DevicePair.endpointB,
                                    allowedIPs: [try! IPPrefix(parsing: "100.64.0.2/32"), try! IPPrefix(parsing: "2001:db8:100::2/128")],
                                    persistentKeepalive: keepaliveA, name: "b"), now: now)
        b.setPeer(PeerConfiguration(publicKey: a.publicKey, presharedKey: pskB ?? psk, endpoint: DevicePair.endpointA,
                                    allowedIPs: [try! IPPrefix(parsing: "100.64.0.1/32"), try! IPPrefix(parsing: "2001:db8:100::1/128")],
                                    name: "a"), now: now)
    }

    var peerOfA: Peer { a.peers[0] }
    var peerOfB: Peer { b.peers[0] }

    func advance(seconds: Double) {
        now += UInt64(seconds * 1e9)
        wallSeconds += UInt64(seconds.rounded(.up))
        a.tick(now: now)
        b.tick(now: now)
        pump()
    }

    /// Delivers queued datagrams both ways until none are left.
    func pump(limit: Int = 10_000) {
        var rounds = 0
        while (!outA.datagrams.isEmpty || !outB.datagrams.isEmpty) && rounds < limit {
            rounds += 1
            let fromA = outA.datagrams, fromB = outB.datagrams
            outA.datagrams.removeAll()
            outB.datagrams.removeAll()
            guard linkUp else { continue }
            for d in fromA { receive(b, d.bytes, from: DevicePair.endpointA) }
            for d in fromB { receive(a, d.bytes, from: DevicePair.endpointB) }
        }
    }

    func receive(_ device: WireGuardDevice, _ bytes: [UInt8], from: Endpoint) {
        var buffer = bytes + [UInt8](repeating: 0, count: 64)
        buffer.withUnsafeMutableBytes { device.receiveDatagram(in: $0, length: bytes.count, from: from, now: now) }
    }

    /// Sends an IP packet from `device` as if read from its TUN.
    func send(_ device: WireGuardDevice, _ packet: [UInt8]) {
        var buffer = [UInt8](repeating: 0, count: WireGuardDevice.headroom) + packet
            + [UInt8](repeating: 0, count: WireGuardDevice.tailroom)
        buffer.withUnsafeMutableBytes { device.sendPacket(in: $0, length: packet.count, now: now) }
    }

    /// A minimal IPv4 UDP packet (checksums are not the engine's business).
    static func ipv4Packet(from src: String, to dst: String, payload: [UInt8]) -> [UInt8] {
        let total = 20 + 8 + payload.count
        var p: [UInt8] = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 0, 0, 0, 64, 17, 0, 0]
        p += IPv4Address(src)!.bytes + IPv4Address(dst)!.bytes
        p += [0x30, 0x39, 0x30, 0x39, UInt8((8 + payload.count) >> 8), UInt8((8 + payload.count) & 0xff), 0, 0]
        return p + payload
    }

    static func ipv6Packet(from src: String, to dst: String, payload: [UInt8]) -> [UInt8] {
        let len = 8 + payload.count
        var p: [UInt8] = [0x60, 0, 0, 0, UInt8(len >> 8), UInt8(len & 0xff), 17, 64]
        p += IPv6Address(src)!.bytes + IPv6Address(dst)!.bytes
        p += [0x30, 0x39, 0x30, 0x39, UInt8(len >> 8), UInt8(len & 0xff), 0, 0]
        return p + payload
    }
}
