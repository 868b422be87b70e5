import Foundation
import XCTest

/// `tunnel genkey`, `pubkey` and `genpsk` against Debian's `wg`.
final class KeyCommandSystemTests: XCTestCase {
    private var tunnel: String { SystemTestEnvironment.tunnelBinary! }

    func testPubkeyIsByteIdenticalToWg() throws {
        try requireSystemTestPrerequisites(tools: ["wg"], needsTunnelBinary: true)
        for _ in 0..<20 {
            let fromWg = try Command.check(["wg", "genkey"])
            XCTAssertEqual(try Command.check([tunnel, "pubkey"], input: fromWg), try Command.check(["wg", "pubkey"], input: fromWg))
            let fromTunnel = try Command.check([tunnel, "genkey"])
            XCTAssertEqual(try Command.check([tunnel, "pubkey"], input: fromTunnel),
                           try Command.check(["wg", "pubkey"], input: fromTunnel))
        }
    }

    func testGeneratedKeysHaveWgsForm() throws {
        try requireSystemTestPrerequisites(tools: ["wg"], needsTunnelBinary: true)
        for command in ["genkey", "genpsk"] {
            let keys = try (0..<10).map { _ in try Command.check([tunnel, command]) }
            for key in keys {
                XCTAssertEqual(key.count, 45, "44 base64 characters and a newline: \(key)")
                XCTAssertTrue(key.hasSuffix("=\n"))
                XCTAssertEqual(Data(base64Encoded: String(key.dropLast()))?.count, 32)
            }
            XCTAssertEqual(Set(keys).count, keys.count, "\(command) never repeats")
        }
        // wg accepts what tunnel generated as a private key (it clamps nothing away).
        let key = try Command.check([tunnel, "genkey"])
        let clamped = Data(base64Encoded: String(key.dropLast()))!
        XCTAssertEqual(clamped[0] & 7, 0)
        XCTAssertEqual(clamped[31] & 0xC0, 0x40)
    }

    func testBadInputIsOneLineAndExitsOne() throws {
        try requireSystemTestPrerequisites(tools: [], needsTunnelBinary: true)
        for input in ["", "not a key\n", "AAAA\n", String(repeating: "A", count: 42) + "==\n", String(repeating: "A", count: 43) + "!\n", "\u{0}\u{1}garbage"] {
            let r = try Command.run([tunnel, "pubkey"], input: input)
            XCTAssertEqual(r.status, 1, "input \(input.debugDescription)")
            XCTAssertEqual(r.stdout, "")
            XCTAssertEqual(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count, 1, r.stderr)
        }
    }
}
