// PeerManagement, the operations behind `tunnel peer add/list/remove`, on a temporary
// server config: option checking, the printed text, and the file it leaves.
import Foundation
import XCTest
import Addresses
import Config
import WireGuard
@testable import Peers

final class PeerManagementCommandTests: XCTestCase {
    private var dir = ""
    private var path: String { dir + "/server.conf" }

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("peers-\(UUID())").path
        _ = try ServerConfigFile.createIfMissing(path: path, listen: Endpoint("192.0.2.1:51820")!)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    func testAddListRemove() throws {
        let output = try PeerManagement.add(PeerAddRequest(name: "alice", configPath: path,
                                                           dns: ["192.0.2.53, 2001:db8::53"], allowedIPs: []))
        let client = try WireGuardConfig(parsing: output.standardOutput, fileName: "alice.conf")
        XCTAssertEqual(client.interface.dns.map(\.description), ["192.0.2.53", "2001:db8::53"])
        XCTAssertEqual(client.peers.first?.endpoint?.description, "192.0.2.1:51820")
        XCTAssertTrue(output.summary.contains("alice") && output.summary.contains("100.64.0.2"), output.summary)
        _ = try PeerManagement.add(PeerAddRequest(name: "bob", configPath: path, endpoint: "vpn.example.net:443",
                                                  allowedIPs: ["100.64.0.0/24", "10.1.2.3/16"]))
        let table = try PeerManagement.list(configPath: path)
        XCTAssertTrue(table.contains("alice") && table.contains("bob"), table)
        XCTAssertTrue(table.contains("100.64.0.3/32"), table)
        let message = try PeerManagement.remove(name: "alice", configPath: path)
        XCTAssertTrue(message.contains("removed peer 'alice'"), message)
        XCTAssertEqual(try ServerConfigFile.load(path: path).peers.map(\.name), ["bob"])
    }

    func testAllowedIPsAreNormalised() throws {
        let output = try PeerManagement.add(PeerAddRequest(name: "bob", configPath: path,
                                                           allowedIPs: ["100.64.0.0/24", "10.1.2.3/16"]))
        XCTAssertTrue(output.standardOutput.contains("AllowedIPs = 100.64.0.0/24, 10.1.0.0/16\n"), output.standardOutput)
    }

    func testBadOptionsAreOneLineErrorsAndChangeNothing() throws {
        let before = try String(contentsOfFile: path, encoding: .utf8)
        let cases: [(PeerAddRequest, String)] = [
            (PeerAddRequest(name: "a", configPath: path, allowedIPs: ["10.0.0.0/33"]), "--allowed-ips '10.0.0.0/33'"),
            (PeerAddRequest(name: "a", configPath: path, allowedIPs: ["nonsense"]), "--allowed-ips 'nonsense'"),
            (PeerAddRequest(name: "a", configPath: path, dns: ["dns.example"]), "--dns 'dns.example'"),
            (PeerAddRequest(name: "a", configPath: path, endpoint: "2001:db8::1:51820"), "--endpoint"),
            (PeerAddRequest(name: "a b", configPath: path), "invalid peer name 'a b'"),
            (PeerAddRequest(name: "a", configPath: dir + "/missing.conf"), "no server config at"),
        ]
        for (request, expected) in cases {
            XCTAssertThrowsError(try PeerManagement.add(request)) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(expected), "\(text) should mention \(expected)")
                XCTAssertFalse(text.contains("\n"), "one line: \(text)")
            }
        }
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), before)
    }

    func testQRCodeFollowsTheConfig() throws {
        let output = try PeerManagement.add(PeerAddRequest(name: "phone", configPath: path, qrCode: true))
        let parts = output.standardOutput.components(separatedBy: "\n\n")
        XCTAssertTrue(parts.first?.hasPrefix("[Interface]") ?? false)
        XCTAssertTrue(output.standardOutput.contains(QRCode.bothLight), "a QR code is printed after the config")
    }

    func testRemoveUnknownNamesTheKnownOnes() throws {
        _ = try PeerManagement.add(PeerAddRequest(name: "alice", configPath: path))
        XCTAssertThrowsError(try PeerManagement.remove(name: "carol", configPath: path)) { error in
            XCTAssertEqual("\(error)", "no peer named 'carol' (peers: alice)")
        }
    }
}
