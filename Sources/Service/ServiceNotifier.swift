// systemd's notify protocol (sd_notify(3)) for `Type=notify` units, through libsystemd:
// READY=1 once the interface is up and the UDP socket listens, a one-line STATUS=
// (peers, sessions) refreshed every few seconds, WATCHDOG=1 at half of WatchdogSec=, and
// STOPPING=1 when shutdown begins. Without $NOTIFY_SOCKET (not started by systemd, or
// Type=simple) nothing is sent and no timer is set.
//
// The watchdog pings come from the reactor's queue on purpose: a data path that stalls
// (a handler that never returns) stops the pings, and systemd restarts the service.
// sd_notify blocks while the manager's socket queue is full, and the reactor must not:
// messages are sent from a queue of their own (NotifySender), and a ping or status line
// that finds the previous one still stuck is dropped.
//
// Ownership: the reactor's queue; `start` hops onto it once before `reactor.run()`.
import CSystemd
import Dispatch
import Foundation
import Reactor
import DataPath

public enum ServiceNotifier {
    static let statusInterval: DispatchTimeInterval = .seconds(5)
    /// systemd asks for pings at least this often; half leaves room for a late timer.
    static let pingsPerWatchdogPeriod: UInt64 = 2
    static let notifySocketVariable = "NOTIFY_SOCKET"

    /// Tells systemd the tunnel is ready and keeps it informed until the reactor stops.
    /// Call after the interface is started, before `reactor.run()`, and after the mode's
    /// own `onStop` cleanups (so STOPPING=1 goes out before they run).
    public static func start(_ interface: TunnelInterface) {
        start(reactor: interface.reactor) { [unowned interface] in summary(interface) }
    }

    /// `summary` is called on the reactor's queue.
    public static func start(reactor: Reactor, summary: @escaping () -> String) {
        guard ProcessInfo.processInfo.environment[notifySocketVariable] != nil else { return }
        let watchdog = watchdogInterval()
        let sender = NotifySender()
        reactor.perform {
            sender.send("READY=1\nSTATUS=\(summary())")
            reactor.addRepeatingTimer(interval: statusInterval) { sender.sendUnlessBusy("STATUS=\(summary())") }
            if let watchdog {
                reactor.addRepeatingTimer(interval: watchdog) { sender.sendUnlessBusy("WATCHDOG=1") }
            }
        }
        reactor.onStop { sender.send("STOPPING=1") }
    }

    /// "2 peers, 1 session": what `systemctl status` shows under the unit.
    static func summary(_ interface: TunnelInterface) -> String {
        let peers = interface.device.peers
        let sessions = peers.reduce(0) { $0 + ($1.hasSession ? 1 : 0) }
        return "\(counted(peers.count, "peer")), \(counted(sessions, "session"))"
    }

    static func counted(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// Half the watchdog period, or nil when the unit has no WatchdogSec= (or it is meant
    /// for another process).
    static func watchdogInterval() -> DispatchTimeInterval? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int(clamping: microseconds / pingsPerWatchdogPeriod))
    }
}
