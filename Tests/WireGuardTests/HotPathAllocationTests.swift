import AllocationCounter
import Addresses
import XCTest
@testable import WireGuard

/// The data path allocates nothing per packet in steady state: encrypting a packet from
/// the TUN and decrypting a datagram from the socket, through the whole device.
final class HotPathAllocationTests: XCTestCase {
    /// Keeps sent datagrams in fixed slots, so the output itself allocates nothing.
    final class FixedQueueOutput: DeviceOutput {
        static let slots = 8
        static let slotSize = 2048
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: slots * slotSize, alignment: 16)
        var lengths = [Int](repeating: 0, count: slots)
        var count = 0
        var delivered = 0

        deinit { storage.deallocate() }

        func send(datagram: UnsafeRawBufferPointer, to endpoint: Endpoint) {
            guard count < Self.slots, datagram.count <= Self.slotSize else { return }
            UnsafeMutableRawBufferPointer(rebasing: storage[(count * Self.slotSize)..<(count * Self.slotSize + datagram.count)])
                .copyMemory(from: datagram)
            lengths[count] = datagram.count
            count += 1
        }
        func deliver(packet: UnsafeRawBufferPointer, from peer: Peer) { delivered += 1 }
        func record(_ event: DeviceEvent) {}

        /// Hands every queued datagram to `device`, in place.
        func drain(into device: WireGuardDevice, from source: Endpoint, now: UInt64) {
            let pending = count
            count = 0
            for i in 0..<pending {
                let slot = UnsafeMutableRawBufferPointer(rebasing: storage[(i * Self.slotSize)..<((i + 1) * Self.slotSize)])
                device.receiveDatagram(in: slot, length: lengths[i], from: source, now: now)
            }
        }
    }

    static let endpointA = Endpoint("192.0.2.1:51820")!, endpointB = Endpoint("192.0.2.2:51820")!
    static let now: UInt64 = 1_000_000_000_000

    /// Two devices that are each other's peer (100.64.0.1 and .2), answering through the outputs.
    static func devices(_ outA: DeviceOutput, _ outB: DeviceOutput) throws -> (WireGuardDevice, WireGuardDevice) {
        let clock = { TAI64N(unixSeconds: 1_700_000_000, nanoseconds: 0) }
        let a = WireGuardDevice(privateKey: X25519.generatePrivateKey(), output: outA, wallClock: clock)
        let b = WireGuardDevice(privateKey: X25519.generatePrivateKey(), output: outB, wallClock: clock)
        a.setPeer(PeerConfiguration(publicKey: b.publicKey, endpoint: endpointB,
                                    allowedIPs: [try IPPrefix(parsing: "100.64.0.2/32")]), now: now)
        b.setPeer(PeerConfiguration(publicKey: a.publicKey, endpoint: endpointA,
                                    allowedIPs: [try IPPrefix(parsing: "100.64.0.1/32")]), now: now)
        return (a, b)
    }

    /// The counter itself sees allocations (malloc really is interposed in this binary).
    func testCounterSeesAnAllocation() {
        tunnel_allocation_count_start()
        let array = [UInt8](repeating: 1, count: Int.random(in: 100...200))
        let allocations = tunnel_allocation_count_stop()
        XCTAssertGreaterThan(array.count, 0)
        XCTAssertGreaterThan(allocations, 0)
    }

    func testSteadyStateSendAndReceiveAllocateNothing() throws {
        let outA = FixedQueueOutput(), outB = FixedQueueOutput()
        let (a, b) = try Self.devices(outA, outB)
        let now = Self.now, endpointA = Self.endpointA, endpointB = Self.endpointB

        let aToB = DevicePair.ipv4Packet(from: "100.64.0.1", to: "100.64.0.2", payload: [UInt8](repeating: 7, count: 1200))
        let bToA = DevicePair.ipv4Packet(from: "100.64.0.2", to: "100.64.0.1", payload: [UInt8](repeating: 9, count: 600))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
        defer { buffer.deallocate() }
        func send(_ packet: [UInt8], from device: WireGuardDevice) {
            packet.withUnsafeBytes {
                UnsafeMutableRawBufferPointer(rebasing: buffer[WireGuardDevice.headroom..<(WireGuardDevice.headroom + $0.count)])
                    .copyMemory(from: $0)
            }
            device.sendPacket(in: buffer, length: packet.count, now: now)
        }
        func exchange() {
            send(aToB, from: a)
            outA.drain(into: b, from: endpointA, now: now)
            send(bToA, from: b)
            outB.drain(into: a, from: endpointB, now: now)
        }

        // Handshake, confirmation, and a warm-up (first use may size internal tables).
        send(aToB, from: a)
        for _ in 0..<3 {
            outA.drain(into: b, from: endpointA, now: now)
            outB.drain(into: a, from: endpointB, now: now)
        }
        for _ in 0..<100 { exchange() }
        let deliveredBefore = outA.delivered + outB.delivered

        tunnel_allocation_count_start()
        for _ in 0..<1000 { exchange() }
        let allocations = tunnel_allocation_count_stop()

        XCTAssertEqual(outA.delivered + outB.delivered - deliveredBefore, 2000, "every packet arrived")
        XCTAssertEqual(allocations, 0, "heap allocations for 1000 packets each way through two devices")
    }

    /// Builds packets in its own slots and holds the datagrams sealed there until the
    /// device completes them, as the tunnel's send batch does; copies anything else.
    final class BatchOutput: DeviceOutput {
        static let capacity = 64
        static let slotSize = 2048
        let slots = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity * slotSize, alignment: 16)
        let copies = FixedQueueOutput()
        var heldLengths = [Int](repeating: 0, count: capacity)
        var held = 0
        var delivered = 0

        deinit { slots.deallocate() }

        func slot(_ i: Int) -> UnsafeMutableRawBufferPointer {
            UnsafeMutableRawBufferPointer(rebasing: slots[(i * Self.slotSize)..<((i + 1) * Self.slotSize)])
        }
        func holdsUntilSealed(_ datagram: UnsafeRawBufferPointer) -> Bool {
            datagram.baseAddress == UnsafeRawPointer(slot(held).baseAddress)
        }
        func send(datagram: UnsafeRawBufferPointer, to endpoint: Endpoint) {
            if holdsUntilSealed(datagram) {
                heldLengths[held] = datagram.count
                held += 1
            } else {
                copies.send(datagram: datagram, to: endpoint)
            }
        }
        func deliver(packet: UnsafeRawBufferPointer, from peer: Peer) { delivered += 1 }
        func record(_ event: DeviceEvent) {}
    }

    /// A batch's encryption and decryption shared over two threads (deferred seals and
    /// opens, as the tunnel runs them) allocates nothing either.
    func testSteadyStateBatchesOnTwoCipherLanesAllocateNothing() throws {
        let outA = BatchOutput(), outB = FixedQueueOutput()
        let (a, b) = try Self.devices(outA, outB)
        let now = Self.now, endpointA = Self.endpointA, endpointB = Self.endpointB
        let lanesA = ConcurrentLanes(count: 2), lanesB = ConcurrentLanes(count: 2)
        a.cipherLanes = lanesA
        b.cipherLanes = lanesB
        let aToB = DevicePair.ipv4Packet(from: "100.64.0.1", to: "100.64.0.2", payload: [UInt8](repeating: 7, count: 1200))
        let perBatch = 32

        func batch() {
            for i in 0..<perBatch {
                let slot = outA.slot(i)
                aToB.withUnsafeBytes {
                    UnsafeMutableRawBufferPointer(rebasing: slot[WireGuardDevice.headroom..<(WireGuardDevice.headroom + $0.count)])
                        .copyMemory(from: $0)
                }
                a.sendPacket(in: slot, length: aToB.count, now: now)
            }
            a.completeSeals()
            for i in 0..<outA.held {
                b.receiveDatagram(in: outA.slot(i), length: outA.heldLengths[i], from: endpointA, now: now,
                                  deferringDecryption: true)
            }
            outA.held = 0
            b.completeReceives()
            outA.copies.drain(into: b, from: endpointA, now: now)
            outB.drain(into: a, from: endpointB, now: now)
        }

        // The handshake (the first packet waits for it), then a warm-up: lanes get their
        // contexts and Dispatch its threads.
        batch()
        for _ in 0..<20 { batch() }
        let deliveredBefore = outA.delivered + outB.delivered
        let runsBefore = lanesA.runs + lanesB.runs

        tunnel_allocation_count_start()
        for _ in 0..<100 { batch() }
        let allocations = tunnel_allocation_count_stop()

        XCTAssertEqual(outA.delivered + outB.delivered - deliveredBefore, 100 * perBatch, "every packet arrived")
        XCTAssertEqual(lanesA.runs + lanesB.runs - runsBefore, 200, "every batch was shared out, both ways")
        XCTAssertEqual(allocations, 0, "heap allocations for 3,200 packets sealed and opened on two lanes")
    }
}
