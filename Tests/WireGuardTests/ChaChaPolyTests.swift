// ChaCha20-Poly1305 against RFC 8439 section 2.8.2; the reusable in-place context.
import XCTest
@testable import WireGuard

final class ChaChaPolyTests: XCTestCase {
    static let key = hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f")
    static let nonce = hex("070000004041424344454647")
    static let ad = hex("50515253c0c1c2c3c4c5c6c7")
    static let plaintext = Array(("Ladies and Gentlemen of the class of '99: If I could offer you only one tip "
        + "for the future, sunscreen would be it.").utf8)
    static let sealed = hex("""
        d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b
        1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc
        3ff4def08e4b7a9de576d26586cec64b6116 1ae10b594f09e26a7e902ecbd0600691
        """)

    func testRFC8439Section282Seal() {
        let out = Self.nonce.withUnsafeBytes {
            ChaChaPoly.seal(key: Self.key, nonce: $0, plaintext: Self.plaintext, associatedData: Self.ad)
        }
        XCTAssertEqual(out, Self.sealed)
    }

    func testRFC8439Section282Open() {
        let out = Self.nonce.withUnsafeBytes {
            ChaChaPoly.open(key: Self.key, nonce: $0, ciphertext: Self.sealed, associatedData: Self.ad)
        }
        XCTAssertEqual(out, Self.plaintext)
    }

    func testOpenRejectsEveryFlippedBitInTagAndWrongAD() {
        for bit in [0, 7, 100, Self.sealed.count * 8 - 1] {
            var bad = Self.sealed
            bad[bit / 8] ^= UInt8(1 << (bit % 8))
            let out = Self.nonce.withUnsafeBytes {
                ChaChaPoly.open(key: Self.key, nonce: $0, ciphertext: bad, associatedData: Self.ad)
            }
            XCTAssertNil(out, "bit \(bit) flipped must fail authentication")
        }
        let wrongAD = Self.nonce.withUnsafeBytes {
            ChaChaPoly.open(key: Self.key, nonce: $0, ciphertext: Self.sealed, associatedData: [])
        }
        XCTAssertNil(wrongAD)
    }

    func testReusedContextSealsAndOpensManyMessagesInPlace() {
        let sender = ChaChaPoly(key: Self.key)
        let receiver = ChaChaPoly(key: Self.key)
        var buffer = [UInt8](repeating: 0, count: 64 + 16)
        for counter in UInt64(0)..<50 {
            for i in 0..<64 { buffer[i] = UInt8(truncatingIfNeeded: Int(counter) &+ i) }
            let original = Array(buffer[0..<64])
            XCTAssertTrue(buffer.withUnsafeMutableBytes { sender.seal(counter: counter, buffer: $0, plaintextCount: 64) })
            // The allocating path with the same WireGuard nonce must agree with the context.
            XCTAssertEqual(buffer, ChaChaPoly.seal(key: Self.key, counter: counter, plaintext: original, associatedData: []))
            XCTAssertTrue(buffer.withUnsafeMutableBytes { receiver.open(counter: counter, buffer: $0) })
            XCTAssertEqual(Array(buffer[0..<64]), original)
        }
    }

    func testOpenWithWrongCounterFailsAndWipesOutput() {
        let aead = ChaChaPoly(key: Self.key)
        var buffer = [UInt8](repeating: 0xAA, count: 32 + 16)
        XCTAssertTrue(buffer.withUnsafeMutableBytes { aead.seal(counter: 5, buffer: $0, plaintextCount: 32) })
        XCTAssertFalse(buffer.withUnsafeMutableBytes { aead.open(counter: 6, buffer: $0) })
        XCTAssertEqual(Array(buffer[0..<32]), [UInt8](repeating: 0, count: 32))
    }

    func testTooShortBufferAndWipedContextFail() {
        let aead = ChaChaPoly(key: Self.key)
        var short = [UInt8](repeating: 0, count: 15)
        XCTAssertFalse(short.withUnsafeMutableBytes { aead.open(counter: 0, buffer: $0) })
        XCTAssertFalse(short.withUnsafeMutableBytes { aead.seal(counter: 0, buffer: $0, plaintextCount: 1) })
        aead.wipe()
        var buffer = [UInt8](repeating: 0, count: 32)
        XCTAssertFalse(buffer.withUnsafeMutableBytes { aead.seal(counter: 0, buffer: $0, plaintextCount: 16) })
    }
}
