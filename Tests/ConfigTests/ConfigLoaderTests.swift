// Loading from disk: the permission rule and file-level errors.
import XCTest
import Foundation
@testable import Config

final class ConfigLoaderTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("config-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory)
    }

    private func write(_ text: String, name: String, mode: Int) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
        return url.path
    }

    func testLoadsAPrivateFile() throws {
        let path = try write(Fixtures.server, name: "wg0.conf", mode: 0o600)
        let config = try ConfigLoader.load(path: path)
        XCTAssertEqual(config.peers.count, 2)
    }

    func testRefusesAFileOthersCanRead() throws {
        for mode in [0o644, 0o640, 0o604, 0o660, 0o601] {
            let path = try write(Fixtures.server, name: "open\(mode).conf", mode: mode)
            XCTAssertThrowsError(try ConfigLoader.load(path: path)) { error in
                let e = error as? ConfigError
                XCTAssertEqual(e?.kind, .insecurePermissions, "mode \(String(mode, radix: 8))")
                XCTAssertTrue(e?.description.contains("chmod 600 \(path)") ?? false, e?.description ?? "")
            }
        }
    }

    func testParseErrorsNameThePath() throws {
        let path = try write("[Interface]\nListenPort = x\n", name: "bad.conf", mode: 0o600)
        XCTAssertThrowsError(try ConfigLoader.load(path: path)) { error in
            XCTAssertEqual((error as? ConfigError)?.description.hasPrefix("\(path):2: ListenPort"), true, "\(error)")
        }
    }

    func testMissingFileAndDirectory() throws {
        XCTAssertThrowsError(try ConfigLoader.load(path: directory.appendingPathComponent("none.conf").path)) { error in
            XCTAssertEqual((error as? ConfigError)?.kind, .unreadableFile)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory.path)
        XCTAssertThrowsError(try ConfigLoader.load(path: directory.path)) { error in
            XCTAssertEqual((error as? ConfigError)?.kind, .unreadableFile)
        }
    }

    func testInterfaceNameFromPath() {
        XCTAssertEqual(ConfigLoader.interfaceName(forPath: "/etc/wireguard/wg0.conf"), "wg0")
        XCTAssertEqual(ConfigLoader.interfaceName(forPath: "tun-home.conf"), "tun-home")
        XCTAssertNil(ConfigLoader.interfaceName(forPath: "/etc/wireguard/wg0"))
        XCTAssertNil(ConfigLoader.interfaceName(forPath: "/x/a-name-that-is-too-long.conf"))
        XCTAssertNil(ConfigLoader.interfaceName(forPath: "/x/bad name.conf"))
        XCTAssertNil(ConfigLoader.interfaceName(forPath: ".conf"))
    }
}
