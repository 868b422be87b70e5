// A packet the tests own: the bytes live in a buffer allocated here (IPPacket views
// memory it does not own) and are freed with the object.
import Addresses
import Packet
import XCTest

final class TestPacket {
    let buffer: UnsafeMutableRawBufferPointer
    let packet: IPPacket

    /// Copies `bytes`, parses them, and (unless told not to) fills in every checksum.
    init(_ bytes: [UInt8], recomputeChecksums: Bool = true, file: StaticString = #filePath, line: UInt = #line) {
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 8)
        buffer.copyBytes(from: bytes)
        do {
            packet = try IPPacket.parse(buffer, length: bytes.count)
        } catch {
            XCTFail("test packet does not parse: \(error)", file: file, line: line)
            fatalError("unparsable test packet")
        }
        if recomputeChecksums { packet.recomputeChecksums() }
    }

    deinit { buffer.deallocate() }

    var bytes: [UInt8] { Array(packet.bytes) }
    var source: IPAddress { packet.source }
    var destination: IPAddress { packet.destination }
    var sourcePort: UInt16? { packet.sourcePort }
    var destinationPort: UInt16? { packet.destinationPort }
    var echoIdentifier: UInt16? { packet.echoIdentifier }
    var hasValidChecksums: Bool { packet.hasValidChecksums }

    /// A copy of the packet as it is now, with the addresses and ports swapped: what a
    /// remote host would send back (checksums stay valid, the swap preserves the sums).
    func reply() -> TestPacket {
        let copy = TestPacket(bytes, recomputeChecksums: false)
        copy.packet.swapEndpoints()
        return copy
    }
}
