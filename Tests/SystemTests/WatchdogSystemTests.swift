import Foundation
import XCTest

/// README.md: both units are `Type=notify` with a watchdog, "a stalled data path is
/// restarted". systemd restarts a service whose WATCHDOG=1 pings stop; what `tunnel`
/// promises (Service/ServiceNotifier) is that the pings come from the packet loop's queue,
/// so they stop while it is stalled and go on when it turns again. Shown with a notify
/// socket the test owns and a server whose packet loop the test stalls on demand (the
/// hidden `--test-stall-on-sigusr1`: SIGUSR1 blocks the reactor's queue until SIGUSR2).
/// The restart itself is systemd's and needs a systemd this machine does not run.
final class WatchdogSystemTests: XCTestCase {
    /// Pings every 0.1 s.
    static let watchdogMicroseconds = "200000"

    func testWatchdogPingsStopWhileThePacketLoopIsStalledAndResumeAfter() throws {
        try requireSystemTestPrerequisites(tools: ["ping"], needsTunnelBinary: true)
        let topo = try Topology(ServerLab.topology(clients: 1), test: self)
        let notify = try NotifySocket(topo: topo, tag: "w")
        let server = try TunnelServerProcess(in: topo, namespace: "server", extraArguments: ["--test-stall-on-sigusr1"],
                                             environment: ["NOTIFY_SOCKET": notify.path,
                                                           "WATCHDOG_USEC": Self.watchdogMicroseconds])
        _ = try notify.next(topo) { $0.hasPrefix("READY=1") }
        let alice = try server.startTunnelClient("alice", in: "client1")
        XCTAssertTrue(topo.waitUntil(timeout: 15) {
            (try? topo.attempt("client1", ["ping", "-c", "1", "-W", "1", "100.64.0.1"]).status) == 0
        }, server.log + alice.log)
        XCTAssertEqual(try notify.next(topo) { $0 == "WATCHDOG=1" }, "WATCHDOG=1")

        // Stall the packet loop; from the log line on, its queue runs nothing else.
        server.process.signal(SIGUSR1)
        XCTAssertTrue(topo.waitUntil(timeout: 10) { server.log.contains("test: packet loop stalled") }, server.log)
        notify.drain()
        let atStall = notify.received.count
        // The data path is stalled: a ping through the tunnel gets no answer (its 2 s are
        // twenty watchdog periods).
        let tunnelBefore = try topo.linkPackets("client1", alice.interface)
        let stalledPing = try topo.attempt("client1", ["ping", "-c", "1", "-W", "2", "100.64.0.1"])
        XCTAssertTrue(stalledPing.stdout.contains("1 packets transmitted, 0 received"), stalledPing.stdout)
        XCTAssertGreaterThanOrEqual(try topo.linkPackets("client1", alice.interface).tx - tunnelBefore.tx, 1,
                                    "the request went into the tunnel")
        // And the watchdog went quiet with it: nothing reached the notify socket meanwhile.
        notify.drain()
        XCTAssertEqual(Array(notify.received[atStall...]), [], "no WATCHDOG=1 while the packet loop was stalled")
        XCTAssertTrue(server.process.isRunning)

        server.process.signal(SIGUSR2)
        XCTAssertTrue(topo.waitUntil(timeout: 10) { server.log.contains("test: packet loop resumed") }, server.log)
        XCTAssertEqual(try notify.next(topo) { $0 == "WATCHDOG=1" }, "WATCHDOG=1", "the pings resume")
        XCTAssertEqual(try notify.next(topo) { $0 == "WATCHDOG=1" }, "WATCHDOG=1", "and repeat")
        let resumed = try topo.attempt("client1", ["ping", "-c", "3", "-i", "0.2", "-W", "2", "100.64.0.1"])
        XCTAssertTrue(resumed.stdout.contains("3 packets transmitted, 3 received"), resumed.stdout + server.log)
    }
}
