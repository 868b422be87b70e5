// Two WireGuardDevices with fixed keys, wired back to back in memory, with a session
// between them set up at start. Owned by the fuzzing thread (libFuzzer runs inputs one
// at a time on one thread).
import Addresses
import WireGuard

final class DevicePair {
    static let shared = DevicePair()

    static let endpointA = Endpoint("192.0.2.1:51820")!
    static let endpointB = Endpoint("192.0.2.2:51820")!
    static let elsewhere = Endpoint("203.0.113.9:4000")!
    static let keyA = Key(bytes: [UInt8](repeating: 0x11, count: Key.byteCount))
    static let keyB = Key(bytes: [UInt8](repeating: 0x22, count: Key.byteCount))
    static let nanosecondsPerStep: UInt64 = 1_000_000
    static let startSeconds: UInt64 = 1_700_000_000
    /// Rounds of back-and-forth after one input: enough for a handshake and its data.
    static let pumpRounds = 6
    static let bufferSize = 1 << 16
    static let receiverIndexOffset = 4
    static let responseReceiverIndexOffset = 8
    static let indexLength = 4

    /// IPv4 and IPv6 UDP packets from A's tunnel address to B's, and one back.
    static let innerPackets: [[UInt8]] = [
        [0x45, 0, 0, 32, 0, 0, 0, 0, 64, 17, 0, 0, 100, 64, 0, 1, 100, 64, 0, 2,
         0x30, 0x39, 0x30, 0x39, 0, 12, 0, 0, 0x70, 0x69, 0x6e, 0x67],
        [0x60, 0, 0, 0, 0, 12, 17, 64] + IPv6Address("2001:db8:100::1")!.bytes + IPv6Address("2001:db8:100::2")!.bytes
            + [0x30, 0x39, 0x30, 0x39, 0, 12, 0, 0, 0x70, 0x69, 0x6e, 0x67],
        [0x45, 0, 0, 28, 0, 0, 0, 0, 64, 1, 0, 0, 100, 64, 0, 2, 100, 64, 0, 1, 8, 0, 0, 0, 0, 1, 0, 1],
    ]

    let outA = QueuedOutput(), outB = QueuedOutput()
    let a: WireGuardDevice
    let b: WireGuardDevice
    private(set) var now: UInt64 = 10_000 * 1_000_000_000
    private var wallTicks: UInt64 = 0
    /// Datagrams of the first handshake and the first data packet, in order.
    private(set) var handshakeCapture: [[UInt8]] = []
    /// The receiver indices each device last used in a response (its current session).
    private var liveIndex: [ObjectIdentifier: UInt32] = [:]
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)

    private init() {
        FixedRandom.install()
        var clock: () -> TAI64N = { TAI64N.zero }
        a = WireGuardDevice(privateKey: DevicePair.keyA, output: outA, wallClock: { clock() }, jitter: { _ in 0 })
        b = WireGuardDevice(privateKey: DevicePair.keyB, output: outB, wallClock: { clock() }, jitter: { _ in 0 })
        clock = { [unowned self] in
            wallTicks += 1  // strictly increasing, so every initiation is newer than the last
            return TAI64N(unixSeconds: DevicePair.startSeconds + wallTicks, nanoseconds: 0)
        }
        _ = a.setPeer(PeerConfiguration(publicKey: b.publicKey, endpoint: DevicePair.endpointB,
                                        allowedIPs: [Self.prefix("100.64.0.2/32"), Self.prefix("2001:db8:100::2/128")]),
                      now: now)
        _ = b.setPeer(PeerConfiguration(publicKey: a.publicKey, endpoint: DevicePair.endpointA,
                                        allowedIPs: [Self.prefix("100.64.0.1/32"), Self.prefix("2001:db8:100::1/128")]),
                      now: now)
        let packet = Self.innerPackets[0]
        packet.withUnsafeBytes { send($0, from: a) }
        pump(capturing: true)
        precondition(outB.delivered == 1, "the fuzz harness could not set up a session")
    }

    func advanceClock() {
        now += Self.nanosecondsPerStep
        a.tick(now: now)
        b.tick(now: now)
    }

    /// Sends `packet` as if read from `device`'s TUN.
    func send(_ packet: UnsafeRawBufferPointer, from device: WireGuardDevice) {
        let room = WireGuardDevice.headroom + packet.count + WireGuardDevice.tailroom
        guard room <= buffer.count else { return }
        UnsafeMutableRawBufferPointer(rebasing: buffer[WireGuardDevice.headroom...]).copyMemory(from: packet)
        device.sendPacket(in: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<room]), length: packet.count, now: now)
    }

    /// Hands `datagram` to `device` after `prepare` has had a chance to edit it in place.
    func receive(_ datagram: UnsafeRawBufferPointer, by device: WireGuardDevice, from source: Endpoint,
                 prepare: (UnsafeMutableRawBufferPointer) -> Void = { _ in }) {
        guard datagram.count <= buffer.count else { return }
        buffer.copyMemory(from: datagram)
        let message = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<datagram.count])
        prepare(message)
        device.receiveDatagram(in: message, length: message.count, from: source, now: now)
    }

    /// Delivers what each device sent to the other, back and forth.
    func pump(capturing: Bool = false) {
        for _ in 0..<Self.pumpRounds {
            let fromA = outA.take(), fromB = outB.take()
            if fromA.isEmpty && fromB.isEmpty { return }
            for datagram in fromA { deliver(datagram, to: b, from: Self.endpointA, capturing: capturing) }
            for datagram in fromB { deliver(datagram, to: a, from: Self.endpointB, capturing: capturing) }
        }
    }

    private func deliver(_ datagram: [UInt8], to device: WireGuardDevice, from source: Endpoint, capturing: Bool) {
        if capturing { handshakeCapture.append(datagram) }
        if MessageType.of(datagram) == .handshakeResponse, let response = try? HandshakeResponse(bytes: datagram) {
            liveIndex[ObjectIdentifier(device)] = response.receiverIndex
            liveIndex[ObjectIdentifier(device === a ? b : a)] = response.senderIndex
        }
        datagram.withUnsafeBytes { receive($0, by: device, from: source) }
    }

    /// Gives a handshake-sized message the mac1 `device` expects (from anyone who knows its
    /// public key), so the fuzzer's bytes reach the handshake itself.
    func fixMAC1(_ message: UnsafeMutableRawBufferPointer, for device: WireGuardDevice) {
        guard message.count == HandshakeInitiation.length || message.count == HandshakeResponse.length else { return }
        let macStart = message.count - 2 * Blake2s.macLength
        let mac = Blake2s.mac(key: device.identity.mac1Key, UnsafeRawBufferPointer(rebasing: message[0..<macStart]))
        UnsafeMutableRawBufferPointer(rebasing: message[macStart..<(macStart + Blake2s.macLength)]).copyBytes(from: mac)
    }

    /// Writes `device`'s live session index where a transport message, cookie reply or
    /// handshake response carries the receiver index.
    func putLiveIndex(_ message: UnsafeMutableRawBufferPointer, of device: WireGuardDevice) {
        guard let index = liveIndex[ObjectIdentifier(device)] else { return }
        let offset = MessageType.of(UnsafeRawBufferPointer(message)) == .handshakeResponse
            ? Self.responseReceiverIndexOffset : Self.receiverIndexOffset
        guard message.count >= offset + Self.indexLength else { return }
        message.storeBytes(of: index.littleEndian, toByteOffset: offset, as: UInt32.self)
    }

    private static func prefix(_ text: String) -> IPPrefix {
        guard let prefix = try? IPPrefix(parsing: text) else { preconditionFailure("bad prefix \(text)") }
        return prefix
    }
}

/// Collects what a device sends, for `DevicePair.pump` to deliver.
final class QueuedOutput: DeviceOutput {
    private var queue: [[UInt8]] = []
    private(set) var delivered = 0

    func send(datagram: UnsafeRawBufferPointer, to endpoint: Endpoint) { queue.append(Array(datagram)) }
    func deliver(packet: UnsafeRawBufferPointer, from peer: Peer) { delivered += 1 }
    func record(_ event: DeviceEvent) {}

    func take() -> [[UInt8]] {
        defer { queue.removeAll(keepingCapacity: true) }
        return queue
    }
}
