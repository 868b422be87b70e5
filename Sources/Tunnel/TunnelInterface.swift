// The data path of one WireGuard interface: TUN and UDP socket read on the Reactor's
// queue, packets handed to the WireGuardDevice, which answers through DeviceOutput.
// Buffers are allocated once; reads are drained in batches; nothing allocates per packet.
//
// Ownership: everything here, the device included, belongs to `reactor.queue`.
import Addresses
import Dispatch
import Logging
import Reactor
import WireGuard

public final class TunnelInterface: DeviceOutput {
    /// Packets read from the TUN per wakeup before giving the UDP side a turn.
    static let tunBatch = 128
    /// Datagram batches per wakeup before giving the TUN side a turn.
    static let udpBatches = 8
    /// How often protocol timers are checked; the finest timer rule is 333 ms of jitter.
    static let timerInterval: DispatchTimeInterval = .milliseconds(100)
    /// How often to check that nobody deleted the interface.
    static let interfaceCheckInterval: DispatchTimeInterval = .seconds(1)

    public let reactor: Reactor
    public let tun: TunDevice
    public let udp: UDPSocket
    public private(set) var device: WireGuardDevice!
    let logger: Logger
    private let batch = ReceiveBatch(capacity: 32, bufferSize: 65536)
    /// Packets read from the TUN are sealed in these slots and leave in one sendmmsg.
    private let outgoing = SendBatch(capacity: 32, slotSize: WireGuardDevice.headroom + 65535 + WireGuardDevice.tailroom)
    /// True while draining the TUN: datagrams built in the next slot are queued, not sent.
    private var batchingSends = false
    /// A server's forwarding between peers, the TUN and the NAT; nil for a client.
    public var router: PacketRouter?
    /// Called on the queue when the TUN interface disappears (deleted by someone).
    public var onInterfaceGone: (() -> Void)?
    /// Called on the queue for every protocol event, after it is logged.
    public var onEvent: ((DeviceEvent) -> Void)?
    public private(set) var eventCounts = DeviceEventCounts()
    private(set) var tunWriteFailures: UInt64 = 0
    private(set) var udpSendFailures: UInt64 = 0

    public init(reactor: Reactor, tun: TunDevice, udp: UDPSocket, privateKey: Key,
                configuration: DeviceConfiguration, logger: Logger) {
        self.reactor = reactor
        self.tun = tun
        self.udp = udp
        self.logger = logger
        device = WireGuardDevice(privateKey: privateKey, configuration: configuration, output: self,
                                 wallClock: TunnelInterface.wallClock)
    }

    /// Starts reading; call once, before `reactor.run()`.
    public func start() {
        reactor.addReader(fd: tun.fd) { [unowned self] in self.drainTun() }
        reactor.addReader(fd: udp.fd) { [unowned self] in self.drainUDP() }
        reactor.addRepeatingTimer(interval: TunnelInterface.timerInterval) { [unowned self] in
            self.device.tick(now: SystemClock.monotonicNanoseconds())
        }
        reactor.addRepeatingTimer(interval: TunnelInterface.interfaceCheckInterval) { [unowned self] in
            if !self.tun.isAttached { self.tunGone() }
        }
    }

    static func wallClock() -> TAI64N {
        let (s, ns) = SystemClock.wallClock()
        return TAI64N(unixSeconds: s, nanoseconds: ns)
    }

    // MARK: reading

    private func drainTun() {
        let now = SystemClock.monotonicNanoseconds()
        batchingSends = true
        defer {
            batchingSends = false
            flushOutgoing()
        }
        for _ in 0..<TunnelInterface.tunBatch {
            let slot = outgoing.nextSlot
            let space = UnsafeMutableRawBufferPointer(
                rebasing: slot[WireGuardDevice.headroom..<(slot.count - WireGuardDevice.tailroom)])
            let length: Int
            do {
                guard let n = try tun.read(into: space) else { return }
                length = n
            } catch {
                // The only way a TUN read fails for good: the interface was deleted.
                logger.debug("\(error)")
                tunGone()
                return
            }
            if let router {
                router.routeFromTun(slot, length: length, now: now)
            } else {
                device.sendPacket(in: slot, length: length, now: now)
            }
            if outgoing.isFull { flushOutgoing() }
        }
    }

    private func flushOutgoing() {
        udpSendFailures &+= UInt64(udp.send(outgoing))
    }

    private func drainUDP() {
        let now = SystemClock.monotonicNanoseconds()
        for _ in 0..<TunnelInterface.udpBatches {
            let count = udp.receive(into: batch)
            guard count > 0 else { return }
            for i in 0..<count where !batch.wasTruncated(i) {
                device.receiveDatagram(in: batch.buffer(i), length: batch.length(i),
                                       from: batch.source(i).endpoint, now: now)
            }
            if count < batch.capacity { return }
        }
    }

    // MARK: DeviceOutput

    public func send(datagram: UnsafeRawBufferPointer, to endpoint: Endpoint) {
        if batchingSends && outgoing.isInNextSlot(datagram) {
            outgoing.append(datagram, to: SocketAddress(endpoint))
        } else if !udp.send(datagram, to: SocketAddress(endpoint)) {
            udpSendFailures &+= 1
        }
    }

    public func deliver(packet: UnsafeRawBufferPointer, from peer: Peer) {
        if let router {
            router.routeFromPeer(packet, peer: peer)
        } else {
            writeToTun(packet)
        }
    }

    @inline(__always)
    public func writeToTun(_ packet: UnsafeRawBufferPointer) {
        if (try? tun.write(packet)) != true { tunWriteFailures &+= 1 }
    }

    private func tunGone() {
        guard let handler = onInterfaceGone else { return }
        onInterfaceGone = nil
        handler()
    }

    public func record(_ event: DeviceEvent) {
        defer { onEvent?(event) }
        eventCounts.count(event)
        switch event {
        case .sessionEstablished, .handshakeGaveUp, .keysZeroed:
            logger.info("\(event)")
        default:
            logger.debug("\(event)")
        }
    }
}
