// HChaCha20 and XChaCha20-Poly1305 against draft-irtf-cfrg-xchacha-03 (2.2.1 and A.3.1).
import XCTest
@testable import WireGuard

final class XChaChaPolyTests: XCTestCase {
    func testHChaCha20DraftVector() {
        let key = (0..<32).map { UInt8($0) }
        XCTAssertEqual(hexString(HChaCha20.subkey(key: key, input: hex("000000090000004a0000000031415927"))),
                       "82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc")
    }

    static let key = hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f")
    static let nonce = hex("404142434445464748494a4b4c4d4e4f5051525354555657")
    static let ad = hex("50515253c0c1c2c3c4c5c6c7")
    static let plaintext = Array(("Ladies and Gentlemen of the class of '99: If I could offer you only one tip "
        + "for the future, sunscreen would be it.").utf8)
    static let sealed = hex("""
        bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39
        ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9
        21f9664c97637da9768812f615c68b13b52e c0875924c1c7987947deafd8780acf49
        """)

    func testAEADDraftVectorSeal() {
        XCTAssertEqual(XChaChaPoly.seal(key: Self.key, nonce: Self.nonce, plaintext: Self.plaintext,
                                        associatedData: Self.ad), Self.sealed)
    }

    func testAEADDraftVectorOpenAndTamper() {
        XCTAssertEqual(XChaChaPoly.open(key: Self.key, nonce: Self.nonce, ciphertext: Self.sealed,
                                        associatedData: Self.ad), Self.plaintext)
        var bad = Self.sealed
        bad[3] ^= 0x10
        XCTAssertNil(XChaChaPoly.open(key: Self.key, nonce: Self.nonce, ciphertext: bad, associatedData: Self.ad))
        XCTAssertNil(XChaChaPoly.open(key: Self.key, nonce: Array(Self.nonce.prefix(23)), ciphertext: Self.sealed,
                                      associatedData: Self.ad))
    }
}
