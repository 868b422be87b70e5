import XCTest
@testable import SystemSetup

final class LeftoverVerdictTests: XCTestCase {
    private let client = TunnelRouteProtocol.id, server = TunnelRouteProtocol.server

    private func state(_ owner: RunOwner?) -> SetupState { SetupState(interfaceName: "tun9", owner: owner) }

    private func owner(pid: Int32 = 4242, namespace: UInt64 = 7, kind: UInt8) -> RunOwner {
        RunOwner(pid: pid, processStartTime: 99, networkNamespace: namespace, protocolID: kind)
    }

    func testOnlyADeadRunOfTheSameKindInThisNamespaceIsALeftover() {
        typealias C = LeftoverCleanup
        let dead: (RunOwner) -> Bool = { _ in false }, alive: (RunOwner) -> Bool = { _ in true }
        XCTAssertEqual(C.verdict(state(owner(kind: client)), protocolID: client, namespace: 7, named: false, isAlive: dead), .leftover)
        XCTAssertEqual(C.verdict(state(owner(kind: client)), protocolID: client, namespace: 7, named: false, isAlive: alive),
                       .running(pid: 4242))
        XCTAssertEqual(C.verdict(state(owner(kind: client)), protocolID: client, namespace: 8, named: false, isAlive: dead),
                       .otherNamespace)
        XCTAssertEqual(C.verdict(state(owner(kind: server)), protocolID: client, namespace: 7, named: false, isAlive: dead), .otherKind)
        XCTAssertEqual(C.verdict(state(owner(kind: server)), protocolID: server, namespace: 7, named: false, isAlive: dead), .leftover)
        // Another namespace's run is never ours, alive or not, named or not.
        XCTAssertEqual(C.verdict(state(owner(kind: server)), protocolID: client, namespace: 8, named: true, isAlive: alive),
                       .otherNamespace)
        // A file from before owners were recorded is a leftover only when named.
        XCTAssertEqual(C.verdict(state(nil), protocolID: client, namespace: 7, named: false, isAlive: alive), .unknownOwner)
        XCTAssertEqual(C.verdict(state(nil), protocolID: client, namespace: 7, named: true, isAlive: alive), .leftover)
    }

    func testThisProcessIsAliveAndAGonePidIsNot() throws {
        let me = RunOwner.current(protocolID: client)
        XCTAssertEqual(me.pid, getpid())
        XCTAssertTrue(me.isAlive)
        XCTAssertEqual(me.networkNamespace, try XCTUnwrap(RunOwner.currentNetworkNamespace()))
        var reused = me
        reused.processStartTime &+= 1
        XCTAssertFalse(reused.isAlive, "same pid, another start time: a different process")
        var gone = me
        gone.pid = Int32.max
        XCTAssertFalse(gone.isAlive)
    }
}
