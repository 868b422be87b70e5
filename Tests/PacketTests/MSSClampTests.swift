// TCP MSS clamping: only SYNs, only a well-formed MSS option above the limit, the
// checksum fixed incrementally (also for an MSS at an odd offset).
import XCTest
@testable import Packet

final class MSSClampTests: XCTestCase {
    static let syn: UInt8 = 0x02
    static let synAck: UInt8 = 0x12
    static let ack: UInt8 = 0x10
    static let limit: UInt16 = 1380

    /// Clamps a TCP packet carrying `options`; returns (changed, MSS after, bytes unchanged).
    func clamp(options: [UInt8], flags: UInt8, version: IPVersion = .v4,
               file: StaticString = #filePath, line: UInt = #line) -> (changed: Bool, mss: UInt16?, untouched: Bool) {
        var factory = PacketFactory(seed: 40)
        let segment = factory.tcp(payload: factory.rng.bytes(10), options: options, flags: flags)
        let built = factory.packet(version: version, proto: IPProtocol.tcp, segment: segment)
        var bytes = built.bytes
        let result = bytes.withUnsafeMutableBytes { raw -> (Bool, UInt16?) in
            guard let packet = IPPacket(buffer: raw, length: raw.count) else { return (false, nil) }
            let changed = packet.clampTCPMSS(to: Self.limit)
            return (changed, packet.tcp?.maximumSegmentSize)
        }
        built.assertChecksumsMatchReference(bytes, "MSS clamp", file: file, line: line)
        return (result.0, result.1, bytes == built.bytes)
    }

    func mss(_ value: UInt16) -> [UInt8] { [2, 4, UInt8(value >> 8), UInt8(value & 0xff)] }

    func testSynAboveLimitIsClamped() {
        for flags in [Self.syn, Self.synAck] {
            for version in [IPVersion.v4, .v6] {
                let r = clamp(options: mss(1460), flags: flags, version: version)
                XCTAssertTrue(r.changed)
                XCTAssertEqual(r.mss, Self.limit)
            }
        }
    }

    func testMSSAtOddOffsetIsClampedWithRightChecksum() {
        let r = clamp(options: [1] + mss(65535) + [1, 1, 1], flags: Self.syn)
        XCTAssertTrue(r.changed)
        XCTAssertEqual(r.mss, Self.limit)
        let after = clamp(options: [3, 3, 7] + mss(9000) + [0], flags: Self.syn)
        XCTAssertEqual(after.mss, Self.limit, "MSS after a window-scale option, at an odd offset")
    }

    func testSmallerMSSIsUntouched() {
        let r = clamp(options: mss(1200), flags: Self.syn)
        XCTAssertFalse(r.changed)
        XCTAssertEqual(r.mss, 1200)
        XCTAssertTrue(r.untouched)
        XCTAssertFalse(clamp(options: mss(Self.limit), flags: Self.syn).changed, "equal is not above")
    }

    func testNonSynIsUntouched() {
        let r = clamp(options: mss(1460), flags: Self.ack)
        XCTAssertFalse(r.changed)
        XCTAssertTrue(r.untouched)
        XCTAssertEqual(r.mss, 1460)
    }

    func testWithoutMSSOptionNothingChanges() {
        for options in [[], [1, 1, 1, 1], [4, 2, 1, 1], [8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]] as [[UInt8]] {
            let r = clamp(options: options, flags: Self.syn)
            XCTAssertFalse(r.changed)
            XCTAssertNil(r.mss)
            XCTAssertTrue(r.untouched)
        }
    }

    func testMalformedOptionsAreLeftAlone() {
        let cases: [[UInt8]] = [
            [0] + mss(1460),              // end of list before the MSS
            [3, 0, 0, 0] + mss(1460),     // a zero length would loop forever
            [3, 1, 0, 0] + mss(1460),     // a length under 2
            [3, 40, 0, 0] + mss(1460),    // a length past the header
            [2, 3, 5, 0],                 // MSS with the wrong length
            [2, 6, 5, 0, 0, 0],           // MSS with the wrong length
            [1, 1, 1, 2],                 // kind with no length byte
        ]
        for options in cases {
            let r = clamp(options: options, flags: Self.syn)
            XCTAssertFalse(r.changed, "options \(options)")
            XCTAssertTrue(r.untouched, "options \(options)")
        }
    }

    func testRandomSegmentsKeepChecksums() {
        var factory = PacketFactory(seed: 41)
        var clamped = 0
        for _ in 0..<3000 {
            let built = factory.packet(transport: IPProtocol.tcp)
            var bytes = built.bytes
            let limit = UInt16.random(in: 500...1500, using: &factory.rng)
            bytes.withUnsafeMutableBytes { raw in
                guard let packet = IPPacket(buffer: raw, length: raw.count), let tcp = packet.tcp else {
                    return XCTFail("must parse")
                }
                let before = tcp.maximumSegmentSize
                if packet.clampTCPMSS(to: limit) {
                    clamped += 1
                    XCTAssertEqual(tcp.maximumSegmentSize, limit)
                    XCTAssertGreaterThan(before ?? 0, limit)
                } else {
                    XCTAssertEqual(tcp.maximumSegmentSize, before)
                }
            }
            built.assertChecksumsMatchReference(bytes, "random MSS clamp")
        }
        XCTAssertGreaterThan(clamped, 100)
    }
}
