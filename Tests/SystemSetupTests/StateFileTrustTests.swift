// State files are acted on by root: a directory or file someone else owns or may write,
// a link, or a file that asks for what the program never does, is refused on reading.
import Foundation
import XCTest
@testable import SystemSetup

final class StateFileTrustTests: XCTestCase {
    private var dir = ""
    private var states: StateDirectory { StateDirectory(path: dir) }

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("trust-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
    }

    private func plant(_ state: SetupState, as name: String = "tun9", mode: Int = 0o600) throws {
        let path = states.statePath(for: name)
        try JSONEncoder().encode(state).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    private func assertRefused(_ reason: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try states.load(for: "tun9"), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(reason), "\(error)", file: file, line: line)
        }
    }

    func testAFileAsTheProgramWritesItIsRead() throws {
        let state = SetupState(interfaceName: "tun9", originalSysctls: ["net.ipv4.conf.all.src_valid_mark": "0"],
                               resolvConfPath: "/etc/resolv.conf", resolvConfBackupPath: states.resolvConfBackupPath(for: "tun9"))
        try states.save(state)
        XCTAssertEqual(try states.load(for: "tun9"), state)
        let mode = try FileManager.default.attributesOfItem(atPath: dir)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o700)
    }

    func testAWritableDirectoryIsRefusedForReadingAndWriting() throws {
        try states.save(SetupState(interfaceName: "tun9"))
        try FileManager.default.setAttributes([.posixPermissions: 0o770], ofItemAtPath: dir)
        assertRefused("group or others may write it (mode 770)")
        XCTAssertThrowsError(try states.interfaces())
        XCTAssertEqual(states.recordedInterfaces(), [])
        XCTAssertThrowsError(try states.save(SetupState(interfaceName: "tun8"))) { error in
            XCTAssertTrue("\(error)".hasPrefix("refusing to use \(dir): group or others may write it"), "\(error)")
        }
    }

    func testALinkedDirectoryIsRefused() throws {
        try FileManager.default.createSymbolicLink(atPath: dir + "/linked", withDestinationPath: dir)
        XCTAssertThrowsError(try StateDirectory(path: dir + "/linked").interfaces()) { error in
            XCTAssertEqual("\(error)", "refusing to use \(dir)/linked: it is a symbolic link; remove it, or make it root's own and not writable by group or others")
        }
    }

    func testAWritableOrForeignOrLinkedFileIsRefused() throws {
        try plant(SetupState(interfaceName: "tun9"), mode: 0o620)
        assertRefused("group or others may write it (mode 620)")
        try plant(SetupState(interfaceName: "tun9"), mode: 0o602)
        assertRefused("group or others may write it (mode 602)")

        try FileManager.default.removeItem(atPath: states.statePath(for: "tun9"))
        let target = dir + "/elsewhere"
        try JSONEncoder().encode(SetupState(interfaceName: "tun9")).write(to: URL(fileURLWithPath: target))
        try FileManager.default.createSymbolicLink(atPath: states.statePath(for: "tun9"), withDestinationPath: target)
        assertRefused("it is a symbolic link")

        guard geteuid() == 0 else { return }  // only root can give a file away
        try FileManager.default.removeItem(atPath: states.statePath(for: "tun9"))
        try plant(SetupState(interfaceName: "tun9"))
        XCTAssertEqual(chown(states.statePath(for: "tun9"), 65534, 65534), 0)
        assertRefused("it is owned by uid 65534, not by uid 0 that runs tunnel")
    }

    func testAFileAskingForWhatTheProgramNeverDoesIsRefused() throws {
        try plant(SetupState(interfaceName: "../../etc/x"))
        assertRefused("it names interface '../../etc/x'")
        try plant(SetupState(interfaceName: "tun9", originalSysctls: ["kernel.core_pattern": "|/tmp/x"]))
        assertRefused("tunnel never sets the sysctl 'kernel.core_pattern'")
        try plant(SetupState(interfaceName: "tun9", originalSysctls: ["net.ipv4.ip_forward": "1; x"]))
        assertRefused("'1; x' is not a value tunnel restores")
        try plant(SetupState(interfaceName: "tun9", neededSysctls: ["net.ipv4.conf.all.rp_filter"]))
        assertRefused("tunnel never sets the sysctl 'net.ipv4.conf.all.rp_filter'")
        try plant(SetupState(interfaceName: "tun9", resolvConfPath: "/etc/resolv.conf", resolvConfBackupPath: "/etc/shadow"))
        assertRefused("its resolv.conf backup path /etc/shadow is not this directory's")
    }

    func testNamesThatAreNoInterfaceNeverBecomePaths() throws {
        for name in ["../x", "a/b", "", String(repeating: "x", count: 16)] {
            XCTAssertThrowsError(try states.load(for: name), name)
            XCTAssertThrowsError(try states.save(SetupState(interfaceName: name)), name)
        }
        try Data().write(to: URL(fileURLWithPath: dir + "/a b.state"))
        XCTAssertEqual(try states.interfaces(), [], "a file whose name is no interface is not listed")
    }

    func testEachNamespaceHasItsOwnDirectoryNamedByCookie() throws {
        let here = StateDirectory.forCurrentNamespace(root: dir)
        let cookie = try XCTUnwrap(RunOwner.currentNetworkNamespaceCookie())
        XCTAssertEqual(here.path, "\(dir)/netns-\(cookie)")
        XCTAssertEqual(here.root, dir)
        try here.save(SetupState(interfaceName: "tun9"))
        XCTAssertEqual(try here.allNamespaces(), [here])
        XCTAssertEqual(try StateDirectory(path: dir).interfaces(), [], "nothing at the root itself")
        here.remove(for: "tun9")
        XCTAssertFalse(FileManager.default.fileExists(atPath: here.path), "the namespace's directory goes with its last file")
        try here.save(SetupState(interfaceName: "tun8"))
        XCTAssertEqual(try here.interfaces(), ["tun8"], "and comes back for the next")
    }

    /// Two runs in one namespace both need src_valid_mark: the later one takes over the
    /// earlier one's original value, and neither restores it while the other lives.
    func testALiveRunsSharedSysctlIsFoundWithItsOriginalValue() throws {
        let name = SysctlSetting.sourceValidMark.sysctl.description
        let me = RunOwner.current(protocolID: TunnelRouteProtocol.id)
        try states.save(SetupState(interfaceName: "tun1", originalSysctls: [name: "0"], owner: me, neededSysctls: [name]))
        var dead = me
        dead.pid = Int32.max
        try states.save(SetupState(interfaceName: "tun2", originalSysctls: [name: "2"], owner: dead, neededSysctls: [name]))
        let live = LiveRunStates.scan(states, excluding: "tun3")
        XCTAssertEqual(live.states.map(\.interfaceName), ["tun1"], "the dead run does not count")
        XCTAssertEqual(live.runNeeding(name)?.interfaceName, "tun1")
        XCTAssertEqual(live.originalValue(of: name), "0")
        XCTAssertNil(LiveRunStates.scan(states, excluding: "tun1").runNeeding(name), "a run does not count itself")
    }
}
