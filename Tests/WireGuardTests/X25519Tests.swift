// X25519 against RFC 7748 sections 5.2 and 6.1.
import XCTest
@testable import WireGuard

final class X25519Tests: XCTestCase {
    private func dh(_ scalar: String, _ u: String) throws -> String {
        hexString(try X25519.sharedSecret(privateKey: Key(bytes: hex(scalar)), publicKey: Key(bytes: hex(u))).bytes)
    }

    func testRFC7748Section52FirstVector() throws {
        XCTAssertEqual(try dh("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
                              "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"),
                       "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552")
    }

    func testRFC7748Section52SecondVectorMasksHighBit() throws {
        XCTAssertEqual(try dh("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
                              "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493"),
                       "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957")
    }

    func testRFC7748Section61AliceAndBob() throws {
        let alice = Key(bytes: hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
        let bob = Key(bytes: hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"))
        let alicePublic = X25519.publicKey(for: alice)
        let bobPublic = X25519.publicKey(for: bob)
        XCTAssertEqual(hexString(alicePublic.bytes), "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
        XCTAssertEqual(hexString(bobPublic.bytes), "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
        let shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
        XCTAssertEqual(hexString(try X25519.sharedSecret(privateKey: alice, publicKey: bobPublic).bytes), shared)
        XCTAssertEqual(hexString(try X25519.sharedSecret(privateKey: bob, publicKey: alicePublic).bytes), shared)
    }

    func testLowOrderPointIsRejected() {
        let zeroPoint = Key(bytes: [UInt8](repeating: 0, count: 32))
        XCTAssertThrowsError(try X25519.sharedSecret(privateKey: X25519.generatePrivateKey(), publicKey: zeroPoint)) {
            XCTAssertEqual($0 as? X25519.Failure, .weakPublicKey)
        }
        var one = [UInt8](repeating: 0, count: 32)
        one[0] = 1
        XCTAssertThrowsError(try X25519.sharedSecret(privateKey: X25519.generatePrivateKey(), publicKey: Key(bytes: one)))
    }

    func testGeneratedKeysAreClampedAndAgree() throws {
        let a = X25519.generatePrivateKey(), b = X25519.generatePrivateKey()
        XCTAssertEqual(a.bytes[0] & 7, 0)
        XCTAssertEqual(a.bytes[31] & 0xC0, 0x40)
        XCTAssertNotEqual(a, b)
        XCTAssertEqual(try X25519.sharedSecret(privateKey: a, publicKey: X25519.publicKey(for: b)),
                       try X25519.sharedSecret(privateKey: b, publicKey: X25519.publicKey(for: a)))
    }
}
