// UAPIKey.base64, written by hand for `tunnel status` (one per peer), against Foundation's.
import Control
import Foundation
import XCTest
@testable import Status

final class UAPIKeyBase64Tests: XCTestCase {
    /// The hand-written base64 of a key is Foundation's, byte for byte.
    func testBase64IsFoundations() {
        for seed in 0..<500 {
            var generator = SystemRandomNumberGenerator()
            let bytes = seed < 2 ? [UInt8](repeating: seed == 0 ? 0 : 0xff, count: 32)
                                 : (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            XCTAssertEqual(UAPIKey(bytes: bytes)!.base64, Data(bytes).base64EncodedString())
        }
    }
}
