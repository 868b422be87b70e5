// Message encoding and exact-length, exact-type parsing.
import XCTest
@testable import WireGuard

final class MessageTests: XCTestCase {
    private func bytes(_ n: Int, _ fill: UInt8) -> [UInt8] { [UInt8](repeating: fill, count: n) }

    private var initiation: HandshakeInitiation {
        HandshakeInitiation(senderIndex: 0x0403_0201, ephemeral: bytes(32, 0xE1), encryptedStatic: bytes(48, 0x51),
                            encryptedTimestamp: bytes(28, 0x71), mac1: bytes(16, 0x11), mac2: bytes(16, 0x22))
    }
    private var response: HandshakeResponse {
        HandshakeResponse(senderIndex: 7, receiverIndex: 0xA0B0_C0D0, ephemeral: bytes(32, 0xE2),
                          encryptedNothing: bytes(16, 0x33), mac1: bytes(16, 0x11), mac2: bytes(16, 0x22))
    }
    private var cookieReply: CookieReply {
        CookieReply(receiverIndex: 9, nonce: bytes(24, 0x4E), encryptedCookie: bytes(32, 0xCC))
    }

    func testLayoutsAndLittleEndianIndices() {
        let i = initiation.encoded()
        XCTAssertEqual(i.count, 148)
        XCTAssertEqual(Array(i[0..<8]), [1, 0, 0, 0, 0x01, 0x02, 0x03, 0x04])
        XCTAssertEqual(Array(i[116..<132]), bytes(16, 0x11))
        let r = response.encoded()
        XCTAssertEqual(r.count, 92)
        XCTAssertEqual(Array(r[0..<12]), [2, 0, 0, 0, 7, 0, 0, 0, 0xD0, 0xC0, 0xB0, 0xA0])
        let c = cookieReply.encoded()
        XCTAssertEqual(c.count, 64)
        XCTAssertEqual(Array(c[0..<8]), [3, 0, 0, 0, 9, 0, 0, 0])
    }

    func testRoundTrips() throws {
        XCTAssertEqual(try HandshakeInitiation(bytes: initiation.encoded()), initiation)
        XCTAssertEqual(try HandshakeResponse(bytes: response.encoded()), response)
        XCTAssertEqual(try CookieReply(bytes: cookieReply.encoded()), cookieReply)
    }

    func testEveryWrongLengthIsRejected() {
        let cases: [(MessageType, [UInt8], ([UInt8]) throws -> Void)] = [
            (.handshakeInitiation, initiation.encoded(), { _ = try HandshakeInitiation(bytes: $0) }),
            (.handshakeResponse, response.encoded(), { _ = try HandshakeResponse(bytes: $0) }),
            (.cookieReply, cookieReply.encoded(), { _ = try CookieReply(bytes: $0) }),
        ]
        for (type, good, parse) in cases {
            for length in 0...(good.count + 40) where length != good.count {
                var candidate = Array(good.prefix(length))
                while candidate.count < length { candidate.append(0) }
                XCTAssertThrowsError(try parse(candidate), "\(type) of \(length) bytes") { error in
                    if length >= 4 {
                        XCTAssertEqual(error as? MessageError,
                                       .wrongLength(type: type, expected: good.count, got: length))
                    } else {
                        XCTAssertEqual(error as? MessageError, .wrongType(expected: type, got: nil))
                    }
                }
            }
        }
    }

    func testWrongTypeAndNonZeroReservedBytesAreRejected() {
        var i = initiation.encoded()
        i[0] = 2
        XCTAssertThrowsError(try HandshakeInitiation(bytes: i)) {
            XCTAssertEqual($0 as? MessageError, .wrongType(expected: .handshakeInitiation, got: 2))
        }
        for reserved in 1...3 {
            var r = response.encoded()
            r[reserved] = 1
            XCTAssertThrowsError(try HandshakeResponse(bytes: r), "reserved byte \(reserved)")
        }
        var c = cookieReply.encoded()
        c[0] = 4
        XCTAssertThrowsError(try CookieReply(bytes: c))
    }

    func testMessageTypeOfDatagram() {
        XCTAssertEqual(MessageType.of([4, 0, 0, 0, 9]), .transportData)
        XCTAssertNil(MessageType.of([4, 0, 0]))
        XCTAssertNil(MessageType.of([5, 0, 0, 0]))
        XCTAssertNil(MessageType.of([0, 0, 0, 0]))
        XCTAssertNil(MessageType.of([1, 0, 1, 0]))
    }

    func testTransportHeaderParseAndWrite() {
        var buffer = [UInt8](repeating: 0, count: 32)
        buffer.withUnsafeMutableBytes {
            TransportHeader(receiverIndex: 0x1122_3344, counter: 0x0102_0304_0506_0708).write(to: $0)
        }
        XCTAssertEqual(Array(buffer[0..<16]), [4, 0, 0, 0, 0x44, 0x33, 0x22, 0x11, 8, 7, 6, 5, 4, 3, 2, 1])
        let parsed = buffer.withUnsafeBytes { TransportHeader(parsing: $0) }
        XCTAssertEqual(parsed, TransportHeader(receiverIndex: 0x1122_3344, counter: 0x0102_0304_0506_0708))
        XCTAssertNil(Array(buffer.prefix(31)).withUnsafeBytes { TransportHeader(parsing: $0) }, "shorter than header+tag")
        buffer[0] = 1
        XCTAssertNil(buffer.withUnsafeBytes { TransportHeader(parsing: $0) }, "wrong type")
    }

    func testPadding() {
        XCTAssertEqual(TransportHeader.paddedLength(0), 0)
        XCTAssertEqual(TransportHeader.paddedLength(1), 16)
        XCTAssertEqual(TransportHeader.paddedLength(16), 16)
        XCTAssertEqual(TransportHeader.paddedLength(1419, mtu: 1420), 1420, "capped at MTU")
        XCTAssertEqual(TransportHeader.paddedLength(1412, mtu: 1420), 1420)
        XCTAssertEqual(TransportHeader.paddedLength(1401, mtu: 1420), 1408)
    }
}
