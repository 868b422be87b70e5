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

    func testAWriteLeftHalfDoneIsReplacedAndRemovedWithTheState() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let states = StateDirectory(path: dir)
        try states.save(SetupState(interfaceName: "tunnel0"))
        let leftover = states.statePath(for: "tunnel0") + StateDirectory.temporarySuffix
        // As a run that died between writing and renaming leaves it.
        try Data("{half".utf8).write(to: URL(fileURLWithPath: leftover))
        let state = SetupState(interfaceName: "tunnel0", tables: [51820])
        try states.save(state)
        XCTAssertEqual(try states.load(for: "tunnel0"), state, "the next write goes through")
        XCTAssertFalse(FileManager.default.fileExists(atPath: leftover), "renamed over the state")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: states.statePath(for: "tunnel0"))[.posixPermissions] as? Int,
                       0o600)

        try Data("{half".utf8).write(to: URL(fileURLWithPath: leftover))
        states.remove(for: "tunnel0")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [], "nothing of tunnel0 left")
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
