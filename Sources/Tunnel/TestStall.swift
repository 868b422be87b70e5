// Test-only (`tunnel server --test-stall-on-sigusr1`, hidden): a stalled data path on
// demand. SIGUSR1 makes a handler on the reactor's queue block until SIGUSR2 arrives, so
// for that time nothing else runs there: no packets, no protocol timers, and no systemd
// watchdog pings (ServiceNotifier sends them from this queue so that a stall stops them).
// SIGUSR2 is handled on a queue of its own, which the stall cannot hold up.
import Dispatch
import Logging
import Reactor
#if canImport(Glibc)
import Glibc
#endif

enum TestStall {
    static func install(on reactor: Reactor, logger: Logger) {
        let release = DispatchSemaphore(value: 0)
        signal(SIGUSR1, SIG_IGN)
        signal(SIGUSR2, SIG_IGN)
        let stall = DispatchSource.makeSignalSource(signal: SIGUSR1, queue: reactor.queue)
        stall.setEventHandler {
            logger.notice("test: packet loop stalled until SIGUSR2")
            release.wait()
            logger.notice("test: packet loop resumed")
        }
        let resume = DispatchSource.makeSignalSource(signal: SIGUSR2, queue: DispatchQueue(label: "tunnel.test-stall"))
        resume.setEventHandler { release.signal() }
        stall.resume()
        resume.resume()
        reactor.onStop {
            stall.cancel()
            resume.cancel()
        }
    }
}
