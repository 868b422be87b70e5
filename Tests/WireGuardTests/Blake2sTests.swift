// BLAKE2s against RFC 7693 ("abc"); keyed BLAKE2s-128, HMAC-BLAKE2s and the KDF chain
// against values computed with Python's hashlib/hmac (an implementation independent of OpenSSL).
import XCTest
@testable import WireGuard

final class Blake2sTests: XCTestCase {
    func testRFC7693AbcVector() {
        XCTAssertEqual(hexString(Blake2s.hash(Array("abc".utf8))),
                       "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982")
    }

    func testEmptyInput() {
        XCTAssertEqual(hexString(Blake2s.hash([])),
                       "69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9")
    }

    func testHashOfPartsEqualsHashOfConcatenation() {
        XCTAssertEqual(Blake2s.hash(Array("ab".utf8), Array("c".utf8)), Blake2s.hash(Array("abc".utf8)))
    }

    func testKeyedMAC16MatchesReference() {
        let key = (0..<32).map { UInt8($0) }
        XCTAssertEqual(hexString(Blake2s.mac(key: key, (0..<64).map { UInt8($0) })),
                       "f1efa90d2547036841ecd3627fafbc36")
        XCTAssertEqual(hexString(Blake2s.mac(key: key, [])), "9536f9b267655743dee97b8a670f9f53")
        XCTAssertEqual(hexString(Blake2s.mac(key: [UInt8](repeating: 1, count: 32), Array("abc".utf8))),
                       "6c5a9b2dd4324520e222cce7e29e8711")
        XCTAssertEqual(hexString(Blake2s.mac(key: (0..<16).map { UInt8($0) }, (0..<255).map { UInt8($0) })),
                       "b2953795123bd6b890ef3b6fa8b9bae2")
    }

    func testHMACMatchesReference() {
        let mac = Blake2s.hmac(key: Array("key".utf8), Array("The quick brown fox jumps over the lazy dog".utf8))
        XCTAssertEqual(hexString(mac), "f93215bb90d4af4c3061cd932fb169fb8bb8a91d0b4022baea1271e1323cd9a0")
    }

    func testKDFChainMatchesReference() {
        let ck = Blake2s.hash(Array("Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s".utf8))
        XCTAssertEqual(hexString(ck), "60e26daef327efc02ec335e2a025d2d016eb4206f87277f52d38d1988b78cd36")
        let (t1, t2, t3) = KDF.kdf3(key: ck, input: Array("input".utf8))
        XCTAssertEqual(hexString(t1), "b58cc55b688b51fcda705a763c82c5a1ea46dab2cfaeedc9c8f6bc0df2871ad8")
        XCTAssertEqual(hexString(t2), "3064288b2ce6072476471566eabb2ab5bbbb06904ba6b0b8e0e785b713b31fc8")
        XCTAssertEqual(hexString(t3), "a6e4e28580f50a3ad5f3fdcc00254bc616a28d39ecb88ff1dafb94b8ec21d8af")
        XCTAssertEqual(KDF.kdf1(key: ck, input: Array("input".utf8)), t1)
        XCTAssertEqual(KDF.kdf2(key: ck, input: Array("input".utf8)).1, t2)
    }
}
