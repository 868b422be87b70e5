// ServerPeerSync on a temporary server config: a peer added after the server read its
// file (while it was still starting up) is picked up at the first check.
import Foundation
import XCTest
import Addresses
@testable import Tunnel

final class ServerPeerSyncTests: XCTestCase {
    private var dir = ""
    private var path: String { dir + "/server.conf" }

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("sync-\(UUID())").path
        _ = try ServerConfigFile.createIfMissing(path: path, listen: Endpoint("192.0.2.1:51820")!)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    func testAPeerAddedWhileTheServerStartsIsPickedUp() throws {
        // What the server does at start: the identity, then the read; the sync starts later.
        let loaded = ServerPeerSync.identity(of: path)
        XCTAssertEqual(try ServerConfigFile.load(path: path).peers.count, 0)
        _ = try PeerManagement.add(PeerAddRequest(name: "alice", configPath: path))

        let sync = ServerPeerSync(path: path, loaded: loaded, logger: TunnelLogging.logger("test"))
        XCTAssertEqual(sync.changedConfig()?.peers.map(\.name), ["alice"])
        XCTAssertNil(sync.changedConfig(), "a change is reported once")
    }

    func testAnUnchangedFileIsNotReloaded() throws {
        let sync = ServerPeerSync(path: path, loaded: ServerPeerSync.identity(of: path),
                                  logger: TunnelLogging.logger("test"))
        XCTAssertNil(sync.changedConfig())
        _ = try PeerManagement.add(PeerAddRequest(name: "bob", configPath: path))
        XCTAssertEqual(sync.changedConfig()?.peers.map(\.name), ["bob"])
    }
}
