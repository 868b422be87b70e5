// The data path of one WireGuard interface: TUN and UDP socket read on the Reactor's
// queue, packets handed to the WireGuardDevice, which answers through DeviceOutput.
// Buffers are allocated once; reads are drained in batches; nothing allocates per packet.
// With offloads, TUN reads are split into packets (TunSuperPacketReader), sealed
// datagrams leave in UDP GSO runs, coalesced datagrams (UDP GRO) are split, and packets
// for the TUN are coalesced per receive batch (TunPacketWriter). Each batch's cipher work
// is done at its end, shared out over WorkerLanes, before anything of it is sent or
// written.
//
// Ownership: everything here, the device included, belongs to `reactor.queue`.
import Addresses
import Dispatch
import Logging
import Packet
import Reactor
import WireGuard

public final class TunnelInterface: DeviceOutput {
    /// Packets read from the TUN per wakeup before giving the UDP side a turn.
    static let tunBatch = 128
    /// Datagram batches per wakeup before giving the TUN side a turn.
    static let udpBatches = 8
    /// With offloads one read can carry 45 packets: a wakeup also ends after this many
    /// packets (about 700 KB), so neither side holds the queue for milliseconds.
    static let packetsPerWakeup = 512
    /// Handshake messages handled per turn of the handshake queue before the read
    /// sources get theirs: at most a few milliseconds of Diffie-Hellman.
    static let handshakesPerTurn = 16
    /// How often protocol timers are checked; the finest timer rule is 333 ms of jitter.
    static let timerInterval: DispatchTimeInterval = .milliseconds(100)
    /// Send slots with offloads: two and a half 64 KB super-packets of 1420-byte segments.
    static let offloadSlots = 128
    /// With offloads a slot holds at least this much packet, whatever the MTU.
    static let smallestSlotPacket = 1500
    /// How often to check that nobody deleted the interface.
    static let interfaceCheckInterval: DispatchTimeInterval = .seconds(1)

    public let reactor: Reactor
    public let tun: TunDevice
    public let udp: UDPSocket
    public private(set) var device: WireGuardDevice!
    public let logger: Logger
    private let batch = ReceiveBatch(capacity: 32, bufferSize: 65536)
    /// Packets read from the TUN are sealed in these slots and leave in one sendmmsg.
    /// Without offloads a TUN read lands in a slot directly, so a slot holds any packet;
    /// with them, a slot holds one MTU-sized segment and a super-packet fills dozens.
    private let outgoing: SendBatch
    /// Set when the TUN has offloads: reads are split before anything else sees them.
    private let superPacketReader: TunSuperPacketReader?
    private let tunWriter: TunPacketWriter
    /// Handshake messages wait here for their own queue, out of the transport batches.
    private let handshakes = HandshakeBacklog()
    /// Where initiations' Diffie-Hellman runs; set in `start`.
    private var initiations: InitiationWorker?
    private var handshakeWakeup: DispatchSourceUserDataAdd?
    /// True while draining the TUN: datagrams built in the next slot are queued, not sent.
    private var batchingSends = false
    /// A server's forwarding between peers, the TUN and the NAT; nil for a client.
    public var router: PacketRouter?
    /// Called on the queue when the TUN interface disappears (deleted by someone).
    public var onInterfaceGone: (() -> Void)?
    /// Called on the queue for every protocol event, after it is logged.
    public var onEvent: ((DeviceEvent) -> Void)?
    public private(set) var eventCounts = DeviceEventCounts()
    /// The UDP side's counts; the TUN reader and writer keep theirs.
    private var udpCounts = DataPathCounts()
    /// Everything the data path counted, for status and metrics.
    public var dataPathCounts: DataPathCounts {
        var all = udpCounts
        all.cryptoBatchesShared = device.cipherBatchesShared
        all.add(tunWriter.counts)
        if let superPacketReader { all.add(superPacketReader.counts) }
        return all
    }

    public init(reactor: Reactor, tun: TunDevice, udp: UDPSocket, privateKey: Key,
                configuration: DeviceConfiguration, cryptoWorkers: Int = WorkerLanes.defaultCount, logger: Logger) {
        self.reactor = reactor
        self.tun = tun
        self.udp = udp
        self.logger = logger
        tunWriter = TunPacketWriter(tun: tun)
        if tun.hasVirtioHeader {
            // One switch for both sides: UDP offloads pay off with the TUN's, and turning
            // offloads off should take the whole data path back to one packet at a time.
            udp.enableSegmentationOffloads()
            let segment = max(configuration.mtu, TunnelInterface.smallestSlotPacket)
            superPacketReader = TunSuperPacketReader(tun: tun, segmentCapacity: segment)
            outgoing = SendBatch(capacity: TunnelInterface.offloadSlots,
                                 slotSize: WireGuardDevice.headroom + segment + WireGuardDevice.tailroom)
        } else {
            superPacketReader = nil
            outgoing = SendBatch(capacity: 32, slotSize: WireGuardDevice.headroom + 65535 + WireGuardDevice.tailroom)
        }
        device = WireGuardDevice(privateKey: privateKey, configuration: configuration, output: self,
                                 wallClock: TunnelInterface.wallClock)
        if cryptoWorkers > 1 { device.cipherLanes = WorkerLanes(count: cryptoWorkers, label: "tunnel.crypto") }
    }

    /// Starts reading; call once, before `reactor.run()`.
    public func start() throws {
        try reactor.addReader(fd: tun.fd) { [unowned self] in self.drainTun() }
        try reactor.addReader(fd: udp.fd) { [unowned self] in self.drainUDP() }
        handshakeWakeup = reactor.addWakeup(label: "\(reactor.queue.label).handshakes") { [unowned self] in
            self.drainHandshakes()
        }
        initiations = InitiationWorker(label: "\(reactor.queue.label).initiations", home: reactor.queue)
        reactor.addRepeatingTimer(interval: TunnelInterface.timerInterval) { [unowned self] in
            self.device.tick(now: SystemClock.monotonicNanoseconds())
        }
        reactor.addRepeatingTimer(interval: TunnelInterface.interfaceCheckInterval) { [unowned self] in
            if !self.tun.isAttached { self.tunGone() }
        }
    }

    /// What is offloaded and how many threads share the crypto, for the startup log:
    /// "offloads: TUN csum,tso4,..., UDP GSO, GRO; crypto on 2 threads" or "offloads off; ...".
    public var offloadSummary: String {
        let threads = device.cipherLanes?.count ?? 1
        let crypto = "crypto on \(threads) thread\(threads == 1 ? "" : "s")"
        guard tun.hasVirtioHeader else { return "offloads off; \(crypto)" }
        let udpSide = [udp.sendsWithSegmentation ? "GSO" : nil, udp.receivesCoalesced ? "GRO" : nil].compactMap { $0 }
        return "offloads: TUN \(tun.offloads), UDP \(udpSide.isEmpty ? "none" : udpSide.joined(separator: ", ")); \(crypto)"
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
        do {
            if let superPacketReader {
                try drainSplitting(superPacketReader, now: now)
            } else {
                try drainWhole(now: now)
            }
        } catch {
            // The only way a TUN read fails for good: the interface was deleted.
            logger.debug("\(error)")
            tunGone()
        }
    }

    /// Plain TUN: each read is one packet, read straight into a send slot.
    private func drainWhole(now: UInt64) throws {
        for _ in 0..<TunnelInterface.tunBatch {
            let slot = outgoing.nextSlot
            let space = UnsafeMutableRawBufferPointer(
                rebasing: slot[WireGuardDevice.headroom..<(slot.count - WireGuardDevice.tailroom)])
            guard let length = try tun.read(into: space) else { return }
            routeFromTun(slot, length: length, now: now)
            if outgoing.isFull { flushOutgoing() }
        }
    }

    /// TUN with offloads: each read may become dozens of packets, each built in a slot.
    private func drainSplitting(_ reader: TunSuperPacketReader, now: UInt64) throws {
        var packets = 0
        for _ in 0..<TunnelInterface.tunBatch where packets < TunnelInterface.packetsPerWakeup {
            let outcome = try reader.readOnce(slot: {
                if outgoing.isFull { flushOutgoing() }
                return outgoing.nextSlot
            }, route: { packet in
                router?.routeSuperPacketFromTun(packet, now: now) ?? .eachSegment
            }, deliver: { buffer, length, route in
                packets += 1
                routeSegment(buffer, length: length, route: route, now: now)
            })
            if case .empty = outcome { return }
        }
    }

    @inline(__always)
    private func routeSegment(_ slot: UnsafeMutableRawBufferPointer, length: Int, route: SuperPacketRoute, now: UInt64) {
        switch route {
        case .eachSegment:
            routeFromTun(slot, length: length, now: now)
        case .toPeer:
            device.sendPacket(in: slot, length: length, now: now)
        case .toKernel:
            let start = WireGuardDevice.headroom
            writeToTun(UnsafeRawBufferPointer(rebasing: slot[start..<(start + length)]))
        case .dropped:
            break
        }
    }

    @inline(__always)
    private func routeFromTun(_ slot: UnsafeMutableRawBufferPointer, length: Int, now: UInt64) {
        if let router {
            router.routeFromTun(slot, length: length, now: now)
        } else {
            device.sendPacket(in: slot, length: length, now: now)
        }
    }

    private func flushOutgoing() {
        device.completeSeals()
        let segmenting = udp.sendsWithSegmentation
        udpCounts.udpSendFailures &+= UInt64(udp.send(outgoing))
        if segmenting && !udp.sendsWithSegmentation {
            logger.notice("the kernel refused UDP segmentation offload on a route (no checksum offload on its device?); sending datagrams one by one from now on")
        }
    }

    private func drainUDP() {
        guard drainUDPBatches() > 0 else { return }
        // What was just written to the TUN is often answered before the write returns: a
        // local ping reply, TCP acknowledgements, or a forwarded packet's reply over veth,
        // all done by the kernel inside the write. Reading it now saves the TUN source's
        // wakeup, a hand-off from libdispatch's event thread that costs ~60 us of every
        // round trip (Docs/performance.md, "Latency"); when nothing came, it costs one read.
        drainTun()
    }

    /// Reads and handles datagram batches until none is waiting or the wakeup's share is
    /// used; returns how many datagrams were handled.
    private func drainUDPBatches() -> Int {
        let now = SystemClock.monotonicNanoseconds()
        var datagrams = 0
        for _ in 0..<TunnelInterface.udpBatches where datagrams < TunnelInterface.packetsPerWakeup {
            let count = udp.receive(into: batch)
            guard count > 0 else { return datagrams }
            for i in 0..<count where !batch.wasTruncated(i) {
                let segment = batch.segmentSize(i)
                datagrams += segment > 0 ? (batch.length(i) + segment - 1) / segment : 1
                receive(batch.buffer(i), length: batch.length(i), segmentSize: segment,
                        from: batch.source(i).endpoint, now: now)
            }
            // The batch's buffers are reused by the next receive: what waits on them goes now.
            device.completeReceives()
            router?.flushQueued()
            tunWriter.flush()
            if count < batch.capacity { return datagrams }
        }
        return datagrams
    }

    /// One received datagram, or several the kernel coalesced (each `segmentSize` long,
    /// the last possibly shorter), each handled on its own.
    @inline(__always)
    private func receive(_ buffer: UnsafeMutableRawBufferPointer, length: Int, segmentSize: Int,
                         from source: Endpoint, now: UInt64) {
        guard segmentSize > 0, segmentSize < length else {
            receiveOne(buffer, length: length, from: source, now: now)
            return
        }
        var offset = 0
        while offset < length {
            let size = min(segmentSize, length - offset)
            receiveOne(UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<(offset + size)]),
                       length: size, from: source, now: now)
            udpCounts.udpDatagramsCoalesced &+= 1
            offset += size
        }
    }

    /// Transport data goes to the device with this batch; anything else waits for the
    /// handshake queue.
    @inline(__always)
    private func receiveOne(_ buffer: UnsafeMutableRawBufferPointer, length: Int, from source: Endpoint, now: UInt64) {
        let datagram = UnsafeRawBufferPointer(rebasing: buffer[0..<length])
        guard length > 0, MessageType.of(datagram) != .transportData, let wakeup = handshakeWakeup else {
            device.receiveDatagram(in: buffer, length: length, from: source, now: now, deferringDecryption: true)
            return
        }
        if handshakes.push(datagram, from: source) {
            wakeup.add(data: 1)
        } else if length > HandshakeBacklog.slotSize {
            // Too long for any handshake message: the device drops and counts it.
            device.receiveDatagram(in: buffer, length: length, from: source, now: now)
        } else {
            udpCounts.handshakeBacklogFull &+= 1
        }
    }

    /// A turn of the handshake queue: a few waiting handshake messages, then the read
    /// sources' turn again. A deep backlog puts the device under load.
    private func drainHandshakes() {
        guard let initiations else { return }
        let now = SystemClock.monotonicNanoseconds()
        var handled = 0
        while handled < TunnelInterface.handshakesPerTurn, handshakes.pop({ buffer, length, source in
            // A busy worker counts as load too: cookies first, so that what still passes the
            // screen is rate-limited per source.
            device.forceUnderLoad = handshakes.isUnderLoad || !initiations.hasRoom
            let message = UnsafeRawBufferPointer(rebasing: buffer[0..<length])
            guard MessageType.of(message) == .handshakeInitiation else {
                device.receiveDatagram(in: buffer, length: length, from: source, now: now)
                return
            }
            guard let pending = device.screenInitiation(message, from: source, now: now) else { return }
            guard initiations.hasRoom else {
                // Every Diffie-Hellman slot is taken: dropped like a message the backlog
                // had no room for; the initiator retries.
                udpCounts.handshakeBacklogFull &+= 1
                return
            }
            initiations.identify(pending) { [weak self] identified in
                // The answer may come back after the tunnel stopped.
                self?.device.completeInitiation(identified, now: SystemClock.monotonicNanoseconds())
            }
        }) {
            handled += 1
        }
        if !handshakes.isEmpty { handshakeWakeup?.add(data: 1) }
    }

    // MARK: DeviceOutput

    /// Datagrams built in a send slot while draining the TUN wait for flushOutgoing, which
    /// completes their encryption before sending.
    public func holdsUntilSealed(_ datagram: UnsafeRawBufferPointer) -> Bool {
        batchingSends && outgoing.isInNextSlot(datagram)
    }

    public func send(datagram: UnsafeRawBufferPointer, to endpoint: Endpoint) {
        if batchingSends && outgoing.isInNextSlot(datagram) {
            outgoing.append(datagram, to: SocketAddress(endpoint))
            return
        }
        // Sealed elsewhere (a packet bigger than a slot, staged ones): what is queued goes
        // first, so a flow's datagrams keep their order.
        if batchingSends { flushOutgoing() }
        if !udp.send(datagram, to: SocketAddress(endpoint)) {
            udpCounts.udpSendFailures &+= 1
        }
    }

    public func deliver(packet: UnsafeRawBufferPointer, from peer: Peer) {
        if let router {
            router.routeFromPeer(packet, peer: peer)
        } else {
            queueForTun(packet)
        }
    }

    /// Writes a packet to the TUN now.
    @inline(__always)
    public func writeToTun(_ packet: UnsafeRawBufferPointer) {
        tunWriter.write(packet)
    }

    /// Writes a packet decrypted from the current UDP receive batch to the TUN, possibly
    /// coalesced with the next ones; its bytes must not change until the batch is done.
    @inline(__always)
    public func queueForTun(_ packet: UnsafeRawBufferPointer) {
        tunWriter.queue(packet)
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
