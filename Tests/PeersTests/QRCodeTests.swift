// QR codes for the terminal: size, characters, the finder patterns, and failures.
import XCTest
@testable import Peers

final class QRCodeTests: XCTestCase {
    private let allowed: Set<Character> = [" ", "\u{2588}", "\u{2580}", "\u{2584}", "\n"]

    func testShortTextIsAVersion1SymbolWithQuietZone() throws {
        let modules = try QRCode.modules(for: "hello")
        XCTAssertEqual(modules.count, 21, "version 1 is 21 modules wide")
        XCTAssertTrue(modules.allSatisfy { $0.count == 21 })
        let text = try QRCode.render("hello", quietZone: 2)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.count, (21 + 4 + 1) / 2, "two module rows per line")
        XCTAssertTrue(lines.allSatisfy { $0.count == 25 }, "21 modules plus 2 on each side")
        XCTAssertTrue(text.allSatisfy(allowed.contains), "only half blocks, full blocks, spaces and newlines")
        XCTAssertEqual(lines.first.map(String.init), String(repeating: "\u{2588}", count: 25), "the quiet zone is light")
        XCTAssertEqual(lines.last.map(String.init), String(repeating: "\u{2580}", count: 25),
                       "the last line shows the bottom quiet-zone row over the terminal background")
    }

    func testRenderingDecodesBackToTheModules() throws {
        let modules = try QRCode.modules(for: "[Interface]\nPrivateKey = x\n")
        let quiet = 3
        let lines = QRCode.terminalText(modules, quietZone: quiet).split(separator: "\n").map(Array.init)
        for (r, row) in modules.enumerated() {
            for (c, dark) in row.enumerated() {
                let cell = lines[(r + quiet) / 2][c + quiet]
                let upper = (r + quiet) % 2 == 0
                let light = upper ? (cell == "\u{2588}" || cell == "\u{2580}") : (cell == "\u{2588}" || cell == "\u{2584}")
                XCTAssertEqual(light, !dark, "module \(r),\(c)")
            }
        }
    }

    func testFinderPatternsAreInThreeCorners() throws {
        let m = try QRCode.modules(for: "tunnel")
        let n = m.count
        for (top, left) in [(0, 0), (0, n - 7), (n - 7, 0)] {
            XCTAssertTrue((0..<7).allSatisfy { m[top][left + $0] && m[top + 6][left + $0] }, "finder border rows")
            XCTAssertTrue((0..<7).allSatisfy { m[top + $0][left] && m[top + $0][left + 6] }, "finder border columns")
            XCTAssertFalse(m[top + 1][left + 1], "light ring")
            XCTAssertTrue(m[top + 3][left + 3], "dark centre")
        }
    }

    func testEmptyAndOversizedTextFail() {
        XCTAssertThrowsError(try QRCode.render("")) { XCTAssertEqual($0 as? QRCodeError, .empty) }
        let huge = String(repeating: "x", count: 4000)
        XCTAssertThrowsError(try QRCode.render(huge)) { XCTAssertEqual($0 as? QRCodeError, .tooLong(bytes: 4000)) }
    }
}
