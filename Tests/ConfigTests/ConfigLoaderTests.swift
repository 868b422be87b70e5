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

    /// The chmod advice is for files that hold a key; any other file gets what is wrong with it.
    func testAFileWithoutAKeyGetsItsParseErrorWhateverItsMode() throws {
        let passwd = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
        for (name, text) in [("passwd", passwd), ("empty", ""), ("garbage", "\u{1}\u{2}zz\n[[[\n")] {
            let path = try write(text, name: name, mode: 0o644)
            XCTAssertThrowsError(try ConfigLoader.load(path: path)) { error in
                let e = error as? ConfigError
                XCTAssertNotEqual(e?.kind, .insecurePermissions, "\(name): \(error)")
                XCTAssertFalse("\(error)".contains("chmod"), "\(name): \(error)")
                XCTAssertTrue("\(error)".hasPrefix(path), "\(name): \(error)")
            }
        }
        // A key with an error elsewhere: the exposed key comes first.
        let broken = try write("[Interface]\nprivatekey = \(Fixtures.serverPrivate.base64)\nListenPort = x\n",
                               name: "broken", mode: 0o640)
        XCTAssertThrowsError(try ConfigLoader.load(path: broken)) { error in
            XCTAssertEqual((error as? ConfigError)?.kind, .insecurePermissions, "\(error)")
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
