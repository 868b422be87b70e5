// Keys: hex both ways, length and digit checks, redacted printing, zero detection.
import XCTest
@testable import Control

final class UAPIKeyTests: XCTestCase {
    func testHexRoundTripIsLowercase() {
        let bytes = (0..<32).map { UInt8($0 * 7 & 0xff) }
        let key = UAPIKey(bytes: bytes)!
        XCTAssertEqual(key.hex, bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined())
        XCTAssertEqual(UAPIKey(hex: key.hex), key)
        XCTAssertEqual(UAPIKey(hex: key.hex.uppercased()), key)
    }

    func testRejectsWrongLengthAndNonHex() {
        XCTAssertNil(UAPIKey(hex: String(repeating: "a", count: 63)))
        XCTAssertNil(UAPIKey(hex: String(repeating: "a", count: 66)))
        XCTAssertNil(UAPIKey(hex: String(repeating: "g", count: 64)))
        XCTAssertNil(UAPIKey(hex: String(repeating: "a", count: 62) + " a"))
        XCTAssertNil(UAPIKey(bytes: [1, 2, 3]))
    }

    func testDescriptionNeverShowsTheKey() {
        let key = ControlFixtures.privateKey
        XCTAssertFalse("\(key)".contains("11"))
        XCTAssertFalse(String(reflecting: key).contains("1111"))
    }

    func testZero() {
        XCTAssertTrue(UAPIKey.zero.isZero)
        XCTAssertFalse(ControlFixtures.peerA.isZero)
    }

    func testInterfaceNames() {
        XCTAssertTrue(UAPISocketPath.isValidInterfaceName("wg0"))
        XCTAssertTrue(UAPISocketPath.isValidInterfaceName("abcdefghijklmno"))
        for bad in ["", ".", "..", "a/b", "a b", "a:b", "abcdefghijklmnop", "a\u{0}"] {
            XCTAssertFalse(UAPISocketPath.isValidInterfaceName(bad), bad)
        }
        XCTAssertEqual(UAPISocketPath.path(interface: "wg0"), "/var/run/wireguard/wg0.sock")
    }
}
