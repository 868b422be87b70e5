// The device's static private key lives in a page of its own that core dumps leave out
// (VM_DONTDUMP, shown as "dd" in /proc/self/smaps) and works for X25519 exactly as the
// plain key does.
import Foundation
import XCTest
@testable import WireGuard

final class SecretKeyTests: XCTestCase {
    /// RFC 7748 section 6.1: Alice's private and public key, Bob's public key.
    static let alicePrivate = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    static let alicePublic = hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
    static let bobPublic = hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")

    func testThePageIsExcludedFromCoreDumps() throws {
        let secret = SecretKey(Key(bytes: Self.alicePrivate))
        XCTAssertTrue(secret.isExcludedFromDumps)
        XCTAssertEqual(Self.vmFlags(containing: secret.pageAddress)?.contains("dd"), true)
        XCTAssertEqual(Self.vmFlags(containing: UInt(bitPattern: Unmanaged.passUnretained(self).toOpaque()))?.contains("dd") ?? false,
                       false, "ordinary heap is dumped")
    }

    func testKeepsTheKeyAndNeverPrintsIt() {
        let key = Key(bytes: Self.alicePrivate)
        let secret = SecretKey(key)
        XCTAssertEqual(secret.key, key)
        XCTAssertTrue(secret.equals(key))
        XCTAssertFalse(secret.equals(Key(bytes: Self.bobPublic)))
        XCTAssertEqual("\(secret)", "SecretKey(…)")
        var dumped = ""
        dump(secret, to: &dumped)
        XCTAssertFalse(dumped.contains("119"), dumped)   // 0x77, the key's first byte
    }

    func testX25519WithTheProtectedKeyMatchesRFC7748() throws {
        let secret = SecretKey(Key(bytes: Self.alicePrivate))
        XCTAssertEqual(X25519.publicKey(for: secret).bytes, Self.alicePublic)
        XCTAssertEqual(try X25519.sharedSecret(privateKey: secret, publicKey: Key(bytes: Self.bobPublic)),
                       try X25519.sharedSecret(privateKey: Key(bytes: Self.alicePrivate), publicKey: Key(bytes: Self.bobPublic)))
        let identity = StaticIdentity(privateKey: Key(bytes: Self.alicePrivate))
        XCTAssertEqual(identity.publicKey.bytes, Self.alicePublic)
        XCTAssertEqual(identity.privateKey, Key(bytes: Self.alicePrivate))
        XCTAssertEqual(Self.vmFlags(containing: identity.secretKey.pageAddress)?.contains("dd"), true)
    }

    /// The VmFlags of the mapping that holds `address`, nil when none does.
    static func vmFlags(containing address: UInt) -> [String]? {
        // Read to the end: /proc files report a size of 0.
        guard let file = FileHandle(forReadingAtPath: "/proc/self/smaps") else { return nil }
        defer { try? file.close() }
        let smaps = String(decoding: file.readDataToEndOfFile(), as: UTF8.self)
        var inside = false
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let range = fields.first, range.contains("-"), !range.hasSuffix(":") {
                let bounds = range.split(separator: "-").compactMap { UInt($0, radix: 16) }
                inside = bounds.count == 2 && bounds[0] <= address && address < bounds[1]
            } else if inside && fields.first == "VmFlags:" {
                return fields.dropFirst().map(String.init)
            }
        }
        return nil
    }

    static func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex {
            let j = s.index(i, offsetBy: 2)
            out.append(UInt8(s[i..<j], radix: 16)!)
            i = j
        }
        return out
    }
}
