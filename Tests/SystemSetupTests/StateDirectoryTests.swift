// The state file a client run leaves for a later cleanup: written, found, read back, removed.
import Foundation
import XCTest
@testable import SystemSetup

final class ClientStateDirectoryTests: XCTestCase {
    func testStateRoundTripsAndIsFoundByInterface() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let states = StateDirectory(path: dir + "/nested")
        XCTAssertEqual(states.recordedInterfaces(), [], "a missing directory holds nothing")
        XCTAssertNil(try states.load(for: "tunnel0"))

        let backup = try states.saveBackup("nameserver 192.0.2.53\n", for: "tunnel0")
        XCTAssertEqual(backup, dir + "/nested/tunnel0.resolv.conf")
        let state = SetupState(interfaceName: "tunnel0", tables: [51820],
                                     originalSysctls: ["net.ipv4.conf.all.src_valid_mark": "0"],
                                     resolvConfPath: "/etc/resolv.conf", resolvConfBackupPath: backup)
        try states.save(state)
        try states.save(SetupState(interfaceName: "tunnel1"))
        XCTAssertEqual(try states.load(for: "tunnel0"), state, "read back field by field")
        XCTAssertEqual(states.recordedInterfaces(), ["tunnel0", "tunnel1"])

        states.remove(for: "tunnel0")
        XCTAssertNil(try states.load(for: "tunnel0"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: backup), "the backup goes with the state")
        XCTAssertEqual(states.recordedInterfaces(), ["tunnel1"])
    }

    func testCorruptStateIsReportedWithItsPath() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let states = StateDirectory(path: dir)
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: states.statePath(for: "tunnel0")))
        XCTAssertThrowsError(try states.load(for: "tunnel0")) { error in
            XCTAssertTrue("\(error)".hasPrefix("cannot read the state file \(dir)/tunnel0.state"), "\(error)")
        }
    }
}
