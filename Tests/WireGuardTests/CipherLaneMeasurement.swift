// How the cipher work of one batch scales over lanes, apart from the rest of the data
// path: 128 packets of 1420 bytes sealed, then opened, per batch, in a loop for a second
// each, on one lane and on WorkerLanes with one lane per core. A bench, not a test
// (`make crypto-bench`; `make test` skips it): it prints figures and asserts nothing: on the 2-core bench machine both ends of
// a tunnel share the cores, so `make bench` cannot show what a server gains whose
// clients are elsewhere, and this can.
import Addresses
import Foundation
import Reactor
import XCTest
@testable import WireGuard

final class CipherLaneMeasurement: XCTestCase {
    static let packets = 128
    static let payload = 1420
    static let slot = 2048
    static let seconds = 1.0

    func testMeasureCipherLanes() throws {
        let k1 = [UInt8](repeating: 1, count: 32)
        let sender = Keypair(localIndex: 1, remoteIndex: 2, sendingKey: k1, receivingKey: k1, isInitiator: true, createdAt: 0)
        let receiver = Keypair(localIndex: 2, remoteIndex: 1, sendingKey: k1, receivingKey: k1, isInitiator: false, createdAt: 0)
        let peer = Peer(id: 1, configuration: PeerConfiguration(publicKey: X25519.publicKey(for: X25519.generatePrivateKey())),
                        timerConfiguration: .standard, jitter: { _ in 0 })
        let buffers = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.packets * Self.slot, alignment: 16)
        let sealedCopy = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.packets * Self.slot, alignment: 16)
        defer { buffers.deallocate(); sealedCopy.deallocate() }
        func slot(_ i: Int) -> UnsafeMutableRawBufferPointer {
            UnsafeMutableRawBufferPointer(rebasing: buffers[(i * Self.slot)..<((i + 1) * Self.slot)])
        }
        let endpoint = Endpoint("192.0.2.1:51820")!
        let seals = CipherBatch<SealJob>(capacity: Self.packets)
        let opens = CipherBatch<OpenJob>(capacity: Self.packets)
        var lengths = [Int](repeating: 0, count: Self.packets)

        func sealRound(_ lanes: CipherLanes?) throws {
            for i in 0..<Self.packets {
                let ticket = try sender.reserveSeal(payloadLength: Self.payload, in: slot(i), now: 0)
                lengths[i] = ticket.totalLength
                seals.append(SealJob(keypair: sender, buffer: slot(i), ticket: ticket))
            }
            seals.perform(on: lanes)
            seals.finish { _, ok in precondition(ok) }
        }
        func openRound(_ lanes: CipherLanes?) {
            buffers.copyMemory(from: UnsafeRawBufferPointer(sealedCopy))
            for i in 0..<Self.packets {
                let message = UnsafeMutableRawBufferPointer(rebasing: slot(i)[0..<lengths[i]])
                let counter = message.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian
                opens.append(OpenJob(keypair: receiver, peer: peer, message: message, counter: counter,
                                     source: endpoint, now: 0))
            }
            opens.perform(on: lanes)
            opens.finish { _, ok in precondition(ok) }
        }
        /// Bytes of plaintext a second over `seconds`.
        func rate(_ round: () throws -> Void) rethrows -> Double {
            let start = Date()
            var rounds = 0
            while Date().timeIntervalSince(start) < Self.seconds {
                try round()
                rounds += 1
            }
            return Double(rounds * Self.packets * Self.payload) / Date().timeIntervalSince(start)
        }

        let many = ConcurrentLanes(count: WorkerLanes.defaultCount)
        sender.prepareLanes(many.count)
        receiver.prepareLanes(many.count)
        try sealRound(nil)
        sealedCopy.copyMemory(from: UnsafeRawBufferPointer(buffers))
        var lines: [String] = []
        var results: [Int: (seal: Double, open: Double)] = [:]
        for (count, lanes) in [(1, nil), (many.count, many)] as [(Int, CipherLanes?)] {
            let seal = try rate { try sealRound(lanes) }
            let open = rate { openRound(lanes) }
            results[count] = (seal, open)
            lines.append(String(format: "lanes %d: seal %.0f MB/s, open %.0f MB/s (batches of %d x %d B)",
                                count, seal / 1e6, open / 1e6, Self.packets, Self.payload))
        }
        if let one = results[1], let all = results[many.count], many.count > 1 {
            lines.append(String(format: "%d lanes / 1 lane: seal %.2fx, open %.2fx", many.count,
                                all.seal / one.seal, all.open / one.open))
        }
        print("CIPHER LANES\n" + lines.joined(separator: "\n"))
    }
}
