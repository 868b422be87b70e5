// Cipher work shared out over lanes: a keypair's lanes share its keys, and a device that
// defers a batch's encryption or decryption to run it on several threads still delivers
// every packet once, in order, with the same drops as one packet at a time.
import Addresses
import Reactor
import XCTest
@testable import WireGuard

/// The tunnel's lanes (real threads), counting the runs.
final class ConcurrentLanes: CipherLanes {
    private let lanes: WorkerLanes
    private(set) var runs = 0
    init(count: Int) { lanes = WorkerLanes(count: count, label: "test.lanes") }
    var count: Int { lanes.count }
    func run(_ function: @convention(c) (UnsafeMutableRawPointer?, Int, Int) -> Void,
             context: UnsafeMutableRawPointer?, items: Int) -> Int {
        runs += 1
        return lanes.run(function, context: context, items: items)
    }
}

final class CipherLaneTests: XCTestCase {
    static let payloadSize = 1000

    func testEveryLaneOfAKeypairSealsWhatTheOtherSideOpens() throws {
        let k1 = [UInt8](repeating: 1, count: 32), k2 = [UInt8](repeating: 2, count: 32)
        let a = Keypair(localIndex: 1, remoteIndex: 2, sendingKey: k1, receivingKey: k2, isInitiator: true, createdAt: 0)
        let b = Keypair(localIndex: 2, remoteIndex: 1, sendingKey: k2, receivingKey: k1, isInitiator: false, createdAt: 0)
        a.prepareLanes(3)
        b.prepareLanes(2)
        XCTAssertEqual(a.laneCount, 3)
        XCTAssertEqual(b.laneCount, 2)
        var buffer = [UInt8](repeating: 0, count: 256)
        for lane in 0..<3 {
            let plaintext = (0..<40).map { UInt8(truncatingIfNeeded: $0 * 7 + lane) }
            buffer.replaceSubrange(16..<56, with: plaintext)
            let length = try buffer.withUnsafeMutableBytes { raw -> Int in
                let ticket = try a.reserveSeal(payloadLength: plaintext.count, in: raw, now: 0)
                XCTAssertTrue(a.encrypt(ticket, in: raw, lane: lane))
                return ticket.totalLength
            }
            let opened = try buffer.withUnsafeMutableBytes { raw -> [UInt8] in
                let message = UnsafeMutableRawBufferPointer(rebasing: raw[0..<length])
                let counter = try b.admit(UnsafeRawBufferPointer(message), now: 0)
                XCTAssertEqual(counter, UInt64(lane))
                XCTAssertTrue(b.decrypt(message, counter: counter, lane: lane % 2))
                return Array(message[try b.accept(message, counter: counter)].prefix(plaintext.count))
            }
            XCTAssertEqual(opened, plaintext, "lane \(lane)")
        }
    }

    func testAWipedKeypairGrowsNoLanesAndSealsNothing() throws {
        let key = [UInt8](repeating: 3, count: 32)
        let k = Keypair(localIndex: 1, remoteIndex: 2, sendingKey: key, receivingKey: key, isInitiator: true, createdAt: 0)
        var buffer = [UInt8](repeating: 0, count: 128)
        let ticket = try buffer.withUnsafeMutableBytes { try k.reserveSeal(payloadLength: 10, in: $0, now: 0) }
        k.wipe()
        k.prepareLanes(2)
        XCTAssertEqual(k.laneCount, 1)
        buffer.withUnsafeMutableBytes {
            XCTAssertFalse(k.encrypt(ticket, in: $0, lane: 0))
            XCTAssertFalse(k.encrypt(ticket, in: $0, lane: 1), "a lane that was never made")
        }
    }

    // MARK: the device

    /// A session between two devices, then `count` numbered packets sealed by A.
    private func sealedBatch(_ pair: DevicePair, count: Int) -> [[UInt8]] {
        pair.send(pair.a, packet(0))
        pair.pump()
        XCTAssertEqual(pair.outB.delivered.count, 1, "the session is up")
        pair.outB.delivered.removeAll()
        for i in 1...count { pair.send(pair.a, packet(i)) }
        let datagrams = pair.outA.datagrams.map(\.bytes)
        pair.outA.datagrams.removeAll()
        XCTAssertEqual(datagrams.count, count)
        return datagrams
    }

    private func packet(_ number: Int) -> [UInt8] {
        DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: DevicePair.tunnelB,
                              payload: [UInt8(number >> 8), UInt8(number & 0xff)]
                                + [UInt8](repeating: UInt8(truncatingIfNeeded: number), count: CipherLaneTests.payloadSize))
    }

    /// The datagrams laid out in one buffer that stays put until the batch completes.
    private func receiveDeferred(_ datagrams: [[UInt8]], by device: WireGuardDevice,
                                 _ body: (_ receiveUpTo: (Int) -> Void) -> Void) {
        let slot = 2048
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: datagrams.count * slot, alignment: 16)
        defer { buffer.deallocate() }
        var next = 0
        body { end in
            while next < end {
                let room = UnsafeMutableRawBufferPointer(rebasing: buffer[(next * slot)..<((next + 1) * slot)])
                datagrams[next].withUnsafeBytes { room.copyMemory(from: $0) }
                device.receiveDatagram(in: room, length: datagrams[next].count, from: DevicePair.endpointA,
                                       now: 5_000 * ProtocolConstants.nanosecondsPerSecond, deferringDecryption: true)
                next += 1
            }
        }
    }

    func testDeferredDecryptionOnTwoThreadsDeliversEveryPacketInOrder() {
        let pair = DevicePair()
        let datagrams = sealedBatch(pair, count: 100)
        let lanes = ConcurrentLanes(count: 2)
        pair.b.cipherLanes = lanes
        receiveDeferred(datagrams, by: pair.b) { receive in
            receive(100)
            XCTAssertEqual(pair.outB.delivered.count, 0, "nothing is delivered before the batch completes")
            pair.b.completeReceives()
        }
        XCTAssertEqual(lanes.runs, 1, "100 KB is shared out over the lanes")
        XCTAssertEqual(pair.outB.delivered, (1...100).map(packet))
        XCTAssertEqual(pair.b.drops.total, 0)
    }

    func testADuplicateOrForgedMessageInADeferredBatchIsDroppedAsItWouldBeAlone() {
        let pair = DevicePair()
        var datagrams = sealedBatch(pair, count: 40)
        datagrams.insert(datagrams[5], at: 20)   // replayed within the batch
        datagrams[30][40] ^= 1                    // forged (was packet 30)
        pair.b.cipherLanes = ConcurrentLanes(count: 2)
        receiveDeferred(datagrams, by: pair.b) { receive in
            receive(datagrams.count)
            pair.b.completeReceives()
        }
        XCTAssertEqual(pair.outB.delivered, (1...40).filter { $0 != 30 }.map(packet))
        XCTAssertEqual(pair.b.drops[.replayed], 1)
        XCTAssertEqual(pair.b.drops[.decryptionFailed], 1)
        XCTAssertEqual(pair.b.drops.total, 2)
    }

    func testAHandshakeMessageFinishesTheTransportMessagesBeforeIt() {
        let pair = DevicePair()
        var datagrams = sealedBatch(pair, count: 30)
        // A cookie reply to an index nobody holds: dropped, but only after what came first.
        datagrams.insert([3, 0, 0, 0] + [UInt8](repeating: 0xee, count: 60), at: 12)
        pair.b.cipherLanes = ConcurrentLanes(count: 2)
        receiveDeferred(datagrams, by: pair.b) { receive in
            receive(12)
            XCTAssertEqual(pair.outB.delivered.count, 0)
            receive(13)
            XCTAssertEqual(pair.outB.delivered, (1...12).map(packet))
            receive(datagrams.count)
            pair.b.completeReceives()
        }
        XCTAssertEqual(pair.outB.delivered, (1...30).map(packet))
        XCTAssertEqual(pair.b.drops[.unknownReceiverIndex], 1)
    }

    func testHeldDatagramsAreEncryptedAtCompleteSealsOnTwoThreads() {
        let pair = DevicePair()
        _ = sealedBatch(pair, count: 1)
        pair.outB.delivered.removeAll()
        let lanes = ConcurrentLanes(count: 2)
        pair.a.cipherLanes = lanes
        let slot = 2048, count = 64
        let slots = UnsafeMutableRawBufferPointer.allocate(byteCount: count * slot, alignment: 16)
        defer { slots.deallocate() }
        pair.outA.holdEverything = true
        for i in 1...count {
            let room = UnsafeMutableRawBufferPointer(rebasing: slots[((i - 1) * slot)..<(i * slot)])
            let p = packet(i)
            p.withUnsafeBytes {
                UnsafeMutableRawBufferPointer(rebasing: room[WireGuardDevice.headroom..<(WireGuardDevice.headroom + $0.count)])
                    .copyMemory(from: $0)
            }
            pair.a.sendPacket(in: room, length: p.count, now: pair.now)
        }
        XCTAssertEqual(pair.outA.heldDatagrams.count, count)
        let plaintextStillThere = pair.outA.heldDatagrams.allSatisfy { Array($0[16..<(16 + 20)]) == Array(packet(1).prefix(20)) }
        XCTAssertTrue(plaintextStillThere, "held datagrams are not encrypted before completeSeals")
        pair.a.completeSeals()
        XCTAssertEqual(lanes.runs, 1)
        for datagram in pair.outA.heldDatagrams { pair.receive(pair.b, Array(datagram), from: DevicePair.endpointA) }
        XCTAssertEqual(pair.outB.delivered, (1...count).map(packet))
        XCTAssertEqual(pair.b.drops.total, 0)
    }
}
