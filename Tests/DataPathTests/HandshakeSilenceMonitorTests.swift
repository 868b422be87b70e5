import WireGuard
import XCTest
@testable import DataPath

final class HandshakeSilenceMonitorTests: XCTestCase {
    let second = ProtocolConstants.nanosecondsPerSecond

    func testReportsAfterThreeAttemptsThenOnceAMinuteThenTheAnswer() {
        var monitor = HandshakeSilenceMonitor()
        var reports: [(UInt64, HandshakeSilenceMonitor.Report)] = []
        // An attempt every 5 s for three minutes, then a session.
        for t in stride(from: UInt64(0), through: 180, by: 5) {
            let retry = t > 0
            if let r = monitor.handle(.handshakeInitiationSent(peer: "server", retry: retry), now: t * second) {
                reports.append((t, r))
            }
        }
        if let r = monitor.handle(.sessionEstablished(peer: "server", asInitiator: true), now: 181 * second) {
            reports.append((181, r))
        }
        XCTAssertEqual(reports.map(\.0), [10, 70, 130, 181])
        XCTAssertEqual(reports.map(\.1), [.silent(attempts: 3, seconds: 10), .silent(attempts: 15, seconds: 70),
                                          .silent(attempts: 27, seconds: 130), .answered(afterAttempts: 37)])
    }

    func testAQuickAnswerIsNotReported() {
        var monitor = HandshakeSilenceMonitor()
        XCTAssertNil(monitor.handle(.handshakeInitiationSent(peer: "s", retry: false), now: 0))
        XCTAssertNil(monitor.handle(.handshakeInitiationSent(peer: "s", retry: true), now: 5 * second))
        XCTAssertNil(monitor.handle(.sessionEstablished(peer: "s", asInitiator: true), now: 6 * second))
        // The count starts over: two more attempts are still not enough.
        XCTAssertNil(monitor.handle(.handshakeInitiationSent(peer: "s", retry: false), now: 120 * second))
        XCTAssertNil(monitor.handle(.handshakeInitiationSent(peer: "s", retry: true), now: 125 * second))
        XCTAssertEqual(monitor.handle(.handshakeInitiationSent(peer: "s", retry: true), now: 130 * second),
                       .silent(attempts: 3, seconds: 10))
    }
}
