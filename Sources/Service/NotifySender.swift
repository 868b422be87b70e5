// sd_notify(3) from a queue of its own, for ServiceNotifier: sd_notify blocks while the
// manager's socket queue is full, and the reactor calling it must not.
import CSystemd
import Dispatch

/// Errors are ignored: a manager that stopped listening cannot be told anything.
final class NotifySender: @unchecked Sendable {
    /// How long READY and STOPPING may hold the caller up when the manager does not read.
    static let patience: DispatchTimeInterval = .seconds(1)

    private let queue = DispatchQueue(label: "tunnel.notify")
    /// Taken while a droppable message is being sent.
    private let idle = DispatchSemaphore(value: 1)

    /// For messages that must go out (READY, STOPPING): waits up to `patience`.
    func send(_ state: String) {
        let sent = DispatchSemaphore(value: 0)
        queue.async {
            _ = sd_notify(0, state)
            sent.signal()
        }
        _ = sent.wait(timeout: .now() + NotifySender.patience)
    }

    /// For messages the next one replaces (WATCHDOG, STATUS): dropped while the last is stuck.
    func sendUnlessBusy(_ state: String) {
        guard idle.wait(timeout: .now()) == .success else { return }
        queue.async { [idle] in
            _ = sd_notify(0, state)
            idle.signal()
        }
    }
}
