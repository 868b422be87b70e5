// Inputs found by `make fuzz` (Fuzz/FuzzConfig) that broke a config promise, kept as tests.
import XCTest
import WireGuard
@testable import Config

final class FuzzRegressionTests: XCTestCase {
    /// The fuzzer's file: a peer name with bytes that are not UTF-8 and a vertical tab.
    /// The renderer flattened the tab to a space while the parser kept it, so the saved
    /// file loaded as a different name.
    func testNameWithAControlCharacterSurvivesASaveAndLoad() throws {
        let text = "[Interface]\nPrivateKey = \(Fixtures.serverPrivate.base64)\n\n[Peer]\n"
            + "# Name = al\u{FFFD}\u{FFFD}\u{0B}\u{FFFD}ice\u{0B}\nPublicKey = \(Fixtures.alicePublic.base64)\n"
        let config = try WireGuardConfig(parsing: text, fileName: "fuzz.conf")
        XCTAssertEqual(config.peers.first?.name, "al\u{FFFD}\u{FFFD} \u{FFFD}ice")
        XCTAssertEqual(try WireGuardConfig(parsing: config.render(), fileName: "saved.conf"), config)
    }

    func testEveryLineBreakingCharacterInANameBecomesASpace() throws {
        for separator in ["\r", "\u{0B}", "\u{0C}", "\u{1B}", "\u{85}", "\u{2028}", "\u{2029}"] {
            let text = "[Interface]\nPrivateKey = \(Fixtures.serverPrivate.base64)\n\n[Peer]\n"
                + "# Name = a\(separator)b\nPublicKey = \(Fixtures.alicePublic.base64)\n"
            let config = try WireGuardConfig(parsing: text, fileName: "fuzz.conf")
            XCTAssertEqual(config.peers.first?.name, "a b", "separator U+\(String(separator.unicodeScalars.first!.value, radix: 16))")
            XCTAssertEqual(try WireGuardConfig(parsing: config.render(), fileName: "saved.conf"), config)
        }
    }

    func testANameOfControlCharactersOnlyIsNoName() throws {
        let text = "[Interface]\nPrivateKey = \(Fixtures.serverPrivate.base64)\n\n[Peer]\n"
            + "# Name = \u{0B}\u{0C}\nPublicKey = \(Fixtures.alicePublic.base64)\n"
        let config = try WireGuardConfig(parsing: text, fileName: "fuzz.conf")
        XCTAssertNil(config.peers.first?.name)
        XCTAssertEqual(try WireGuardConfig(parsing: config.render(), fileName: "saved.conf"), config)
    }
}
