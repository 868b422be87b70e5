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

    /// A deleted namespace's inode can come back for a new one; its cookie never does.
    func testTheNamespaceCookieDecidesWhenBothSidesHaveOne() {
        typealias C = LeftoverCleanup
        let dead: (RunOwner) -> Bool = { _ in false }
        let earlier = RunOwner(pid: 4242, processStartTime: 99, networkNamespace: 7, networkNamespaceCookie: 100, protocolID: client)
        XCTAssertEqual(C.verdict(state(earlier), protocolID: client, namespace: 7, cookie: 101, named: false, isAlive: dead),
                       .otherNamespace, "same inode, another namespace")
        XCTAssertEqual(C.verdict(state(earlier), protocolID: client, namespace: 7, cookie: 100, named: false, isAlive: dead), .leftover)
        XCTAssertEqual(C.verdict(state(earlier), protocolID: client, namespace: 8, cookie: 100, named: false, isAlive: dead),
                       .leftover, "the cookie wins over the inode")
        XCTAssertEqual(C.verdict(state(owner(kind: client)), protocolID: client, namespace: 7, cookie: 101, named: false,
                                 isAlive: dead), .leftover, "a file without a cookie falls back to the inode")
    }

    func testThisProcessIsAliveAndAGonePidIsNot() throws {
        let me = RunOwner.current(protocolID: client)
        XCTAssertEqual(me.pid, getpid())
        XCTAssertTrue(me.isAlive)
        XCTAssertEqual(me.networkNamespace, try XCTUnwrap(RunOwner.currentNetworkNamespace()))
        XCTAssertEqual(me.networkNamespaceCookie, try XCTUnwrap(RunOwner.currentNetworkNamespaceCookie()))
        var reused = me
        reused.processStartTime &+= 1
        XCTAssertFalse(reused.isAlive, "same pid, another start time: a different process")
        var gone = me
        gone.pid = Int32.max
        XCTAssertFalse(gone.isAlive)
    }
}
